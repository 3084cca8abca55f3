"""Trust policy: which issuers are trusted for which credential types, and how strict verification is.

A policy is a TOML file (``bpvc verify --policy``, ``bpvc serve --policy``) or a :class:`Policy`
built in code. Example::

    [verification]
    clock_skew = 300                      # seconds, on every time comparison
    max_credential_age_days = 400         # refuse credentials issued longer ago than this
    check_status = true                   # read the status of every credential that has credentialStatus
    require_status = false                # true: a credential without credentialStatus fails the status check
    formats = ["di", "vc+jwt"]            # also: "vcdm1.1-jwt", "legacy-ld", "dc+sd-jwt"
    require_key_binding = true            # an SD-JWT VC must come with a key-binding JWT
    cryptosuites = ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"]
    algorithms = ["EdDSA", "ES256", "ES384"]
    key_ownership = "check"               # "skip": proof only, the signer need not be the issuer (test vectors)

    [[trusted_issuers]]
    did = "did:web:battery-maker.example"
    types = ["BatteryPassportCredential", "ProductCarbonFootprintCredential"]

    [[trusted_issuers]]
    did_web_host = "cathode-supplier.example"   # any did:web on this host
    bpnl = "BPNL00000005QSCM"                    # ...speaking for this Catena-X business partner only
    types = ["ProductCarbonFootprintCredential"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .. import strict_json
from ..errors import MalformedError

FORMATS = ("di", "vc+jwt", "vcdm1.1-jwt", "legacy-ld", "dc+sd-jwt")
# "check": the key that made a proof must be controlled by the issuer (holder); "skip": proof only.
KEY_OWNERSHIP = ("check", "skip")
_BPNL = re.compile(r"BPNL[A-Za-z0-9]{12}")
MAX_POLICY_BYTES = 1 << 20  # a policy is a few hundred bytes; a thousand trusted issuers fit in far less
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$")


@dataclass(frozen=True)
class TrustedIssuer:
    """An issuer trusted for some credential types: one DID, or any did:web on one host (optionally bound to a BPNL)."""

    types: frozenset[str]
    did: str | None = None
    did_web_host: str | None = None
    bpnl: str | None = None

    def matches(self, issuer: str) -> bool:
        if self.did is not None:
            return issuer == self.did
        return self.did_web_host is not None and _did_web_host(issuer) == self.did_web_host

    def allows(self, credential_types: list[str]) -> bool:
        wanted = [t for t in credential_types if t != "VerifiableCredential"] or ["VerifiableCredential"]
        return "*" in self.types or all(t in self.types for t in wanted)


@dataclass(frozen=True)
class Policy:
    """What a verifier accepts. The default trusts any issuer whose key checks out."""

    trusted_issuers: tuple[TrustedIssuer, ...] | None = None
    clock_skew: float = 300.0
    max_credential_age_days: float | None = None
    check_status: bool = True
    require_status: bool = False
    formats: frozenset[str] = frozenset(FORMATS)
    cryptosuites: frozenset[str] | None = None
    algorithms: frozenset[str] | None = None
    trusted_status_issuers: frozenset[str] = field(default_factory=frozenset)
    require_key_binding: bool = False  # SD-JWT VC: always ask for a KB-JWT, not only with a challenge or domain
    key_ownership: str = "check"


def _did_web_host(did: str) -> str | None:
    """The host of a did:web, with its port if it names one (``example.com:8443``): another port is
    another origin, so a rule for ``example.com`` does not cover it."""
    if not did.startswith("did:web:"):
        return None
    return unquote(did.split(":")[2]).lower()


def credential_bpnls(credential: dict[str, Any]) -> set[str]:
    """The business partner numbers a credential speaks for: passport economic operator, PCF company ids."""
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    found: set[str] = set()
    for item in subjects:
        if not isinstance(item, dict):
            continue
        metadata = item.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("economicOperatorId"), str):
            found.add(metadata["economicOperatorId"])
        for company in item.get("companyIds") or []:
            if isinstance(company, str):
                found.update(_BPNL.findall(company))
    return found


def _strings(value: Any, name: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise MalformedError(f"policy: {name} must be a list of strings")
    return frozenset(value)


def parse_policy(data: dict[str, Any]) -> Policy:
    """A Policy from the parsed TOML; every mistake is named."""
    unknown = set(data) - {"verification", "trusted_issuers", "trusted_status_issuers"}
    if unknown:
        raise MalformedError(f"policy: unknown section(s) {', '.join(sorted(unknown))}")
    section = data.get("verification", {})
    if not isinstance(section, dict):
        raise MalformedError("policy: [verification] must be a table")
    allowed = {
        "clock_skew",
        "max_credential_age_days",
        "check_status",
        "require_status",
        "require_key_binding",
        "formats",
        "cryptosuites",
        "algorithms",
        "key_ownership",
    }
    unknown = set(section) - allowed
    if unknown:
        raise MalformedError(f"policy: unknown [verification] key(s) {', '.join(sorted(unknown))}")
    kwargs: dict[str, Any] = {}
    if "clock_skew" in section:
        skew = section["clock_skew"]
        if isinstance(skew, bool) or not isinstance(skew, (int, float)) or not 0 <= skew <= 86400:
            raise MalformedError("policy: clock_skew must be a number of seconds between 0 and 86400")
        kwargs["clock_skew"] = float(skew)
    if "max_credential_age_days" in section:
        age = section["max_credential_age_days"]
        if isinstance(age, bool) or not isinstance(age, (int, float)) or age <= 0:
            raise MalformedError("policy: max_credential_age_days must be a positive number")
        kwargs["max_credential_age_days"] = float(age)
    for flag in ("check_status", "require_status", "require_key_binding"):
        if flag in section:
            if not isinstance(section[flag], bool):
                raise MalformedError(f"policy: {flag} must be true or false")
            kwargs[flag] = section[flag]
    if kwargs.get("require_status") and kwargs.get("check_status") is False:
        raise MalformedError("policy: require_status = true needs check_status = true (a status must be read)")
    if "formats" in section:
        formats = _strings(section["formats"], "formats")
        if formats - set(FORMATS):
            raise MalformedError(
                f"policy: unknown format(s) {', '.join(sorted(formats - set(FORMATS)))}; known: {', '.join(FORMATS)}"
            )
        kwargs["formats"] = formats
    for name in ("cryptosuites", "algorithms"):
        if name in section:
            kwargs[name] = _strings(section[name], name)
    if "key_ownership" in section:
        if section["key_ownership"] not in KEY_OWNERSHIP:
            raise MalformedError('policy: key_ownership must be "check" or "skip"')
        kwargs["key_ownership"] = section["key_ownership"]
    if "trusted_issuers" in data:
        kwargs["trusted_issuers"] = tuple(_issuer(entry, i) for i, entry in enumerate(data["trusted_issuers"]))
    if "trusted_status_issuers" in data:
        kwargs["trusted_status_issuers"] = _strings(data["trusted_status_issuers"], "trusted_status_issuers")
    return Policy(**kwargs)


def _issuer(entry: Any, index: int) -> TrustedIssuer:
    where = f"policy: trusted_issuers[{index}]"
    if not isinstance(entry, dict):
        raise MalformedError(f"{where} must be a table")
    unknown = set(entry) - {"did", "did_web_host", "bpnl", "types"}
    if unknown:
        raise MalformedError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if ("did" in entry) == ("did_web_host" in entry):
        raise MalformedError(f"{where} needs exactly one of did or did_web_host")
    if "types" not in entry:
        raise MalformedError(f'{where} needs types (credential types it is trusted for, or ["*"])')
    bpnl = entry.get("bpnl")
    if bpnl is not None and (not isinstance(bpnl, str) or not _BPNL.fullmatch(bpnl)):
        raise MalformedError(f"{where}: bpnl {bpnl!r} is not a BPNL (BPNL + 12 letters or digits)")
    did = entry.get("did")
    if did is not None and (not isinstance(did, str) or not did.startswith("did:")):
        raise MalformedError(f"{where}: did {did!r} is not a DID")
    host = entry.get("did_web_host")
    if host is not None and (not isinstance(host, str) or not _HOST.match(host)):
        raise MalformedError(
            f"{where}: did_web_host must be a host name like supplier.example (with :PORT for another port)"
        )
    return TrustedIssuer(
        _strings(entry["types"], f"trusted_issuers[{index}].types"),
        did,
        host.lower() if isinstance(host, str) else None,
        bpnl,
    )


def load_policy(path: str | Path) -> Policy:
    """Read a TOML policy file (at most :data:`MAX_POLICY_BYTES`, nested at most ``strict_json.MAX_DEPTH``)."""
    try:
        raw = strict_json.read_bounded(path, max_bytes=MAX_POLICY_BYTES)
    except FileNotFoundError:
        raise MalformedError(f"policy file {path} does not exist") from None
    except OSError as err:
        raise MalformedError(f"policy file {path} cannot be read: {err.strerror or err}") from None
    except strict_json.StrictJsonError:
        raise MalformedError(f"policy file {path} is larger than {MAX_POLICY_BYTES} bytes") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
        strict_json.check_value(data)
    except UnicodeDecodeError as err:
        raise MalformedError(f"policy file {path} is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        raise MalformedError(f"policy file {path} is not valid TOML: {err}") from None
    except RecursionError:
        raise MalformedError(f"policy file {path} is nested too deeply") from None
    except ValueError as err:  # an integer past Python's digit limit; a lone surrogate (check_value)
        reason = str(err).split(":", 1)[0].strip() or type(err).__name__  # Python's own advice is not for users
        raise MalformedError(f"policy file {path} is not an acceptable policy: {reason}") from None
    return parse_policy(data)
