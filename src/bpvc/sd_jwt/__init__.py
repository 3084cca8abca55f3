"""Selective disclosure with SD-JWT (RFC 9901) and SD-JWT VC (``dc+sd-jwt``)."""

from .compact import SdJwt, looks_like_sd_jwt
from .disclosures import Disclosure, DisclosureError, digest
from .issue import issue
from .present import bind, select
from .verify import KeyBindingError, unpack

__all__ = [
    "Disclosure",
    "DisclosureError",
    "KeyBindingError",
    "SdJwt",
    "bind",
    "digest",
    "issue",
    "looks_like_sd_jwt",
    "select",
    "unpack",
]
