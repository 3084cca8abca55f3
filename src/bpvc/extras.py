"""Optional parts: the HTTP service, QR codes and the PostgreSQL driver come with pip extras.

``pip install bpvc`` gives the library and the CLI. A feature whose extra is missing says, in one
line, which extra to install (a :class:`MissingExtraError`, exit 2 on the command line).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingExtraError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingExtraError(extra, (err.name or module).split(".")[0]) from None
