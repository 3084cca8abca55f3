"""Battery carbon-footprint accounting: an inventory and supplier PCF credentials in, a declared footprint out.

The pieces, one module each: :mod:`.inventory` (reading and checking the inventory),
:mod:`.profiles` (rule profiles as data), :mod:`.units` (pint, exact decimals),
:mod:`.inputs` (verifying supplier credentials), :mod:`.calculation` (the pure roll-up),
:mod:`.quality` (PDS, DQR, verification share), :mod:`.electricity` (the electricity rule),
:mod:`.declaration` (the signed declaration and the records derived from it) and
:mod:`.report` (the HTML report).
"""

from __future__ import annotations

from .calculation import allocation_share, compute
from .inventory import Inventory, InventoryError, load_inventory, parse_inventory, validate_inventory
from .profiles import BUNDLED, Profile, ProfileError, bundled_profile, load_profile, parse_profile
from .result import CfResult
from .supplier import ResolvedInput, SupplierFootprint

__all__ = [
    "BUNDLED",
    "CfResult",
    "Inventory",
    "InventoryError",
    "Profile",
    "ProfileError",
    "ResolvedInput",
    "SupplierFootprint",
    "allocation_share",
    "bundled_profile",
    "compute",
    "load_inventory",
    "load_profile",
    "parse_inventory",
    "parse_profile",
    "validate_inventory",
]
