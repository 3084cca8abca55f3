"""The HTTP service (W3C VC API) behind ``bpvc serve``; needs the ``server`` extra (starlette, uvicorn).

This package's ``__init__`` imports nothing from the extra, so the CLI can read its defaults
without it; :mod:`bpvc.server.app` is the service itself.
"""

DEFAULT_MAX_BODY_BYTES = 1_048_576  # a request body larger than this is refused with 413
JSON_MEDIA_TYPES = frozenset({"application/json", "application/ld+json"})
JWS_MEDIA_TYPE = "application/vc+jwt"
PROBLEM_MEDIA_TYPE = "application/problem+json"
ABOUT_BLANK = "about:blank"
STATUS_PURPOSES = ("revocation", "suspension")
STATUS_ENTRY_TYPES = ("BitstringStatusListEntry", "StatusList2021Entry")
ISSUE_OPTIONS = frozenset({"format", "statusPurpose", "cryptosuite"})
