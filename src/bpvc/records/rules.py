"""The battery passport and carbon-footprint rules as :class:`bpvc.verify.domain.DomainRules`.

A credential naming one of bpvc's record schemas carries a record in its credentialSubject: the
schema applies to that record (not the whole credential), and the record's domain checks
(stages that add up, real dates, units...) run on it. The verifier's ``schema`` and ``domain``
checks and issuing (the CLI and ``POST /credentials/issue``) both use these rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import BpvcError, MalformedError
from ..schema import SchemaRegistry
from ..verify.domain import RuleFindings
from . import MODELS_BY_SCHEMA, domain_findings

if TYPE_CHECKING:
    from .. import dates
    from ..verify.result import VerificationResult
    from ..verify.verifier import Verifier


class BatteryRecordRules:
    def owns(self, schema_id: str) -> bool:
        return schema_id in MODELS_BY_SCHEMA

    def apply(self, document: dict[str, Any], schema_id: str, schemas: SchemaRegistry) -> RuleFindings:
        model = MODELS_BY_SCHEMA[schema_id]
        subject = document.get("credentialSubject")
        subjects = subject if isinstance(subject, list) else [subject]
        found = RuleFindings()
        for i, item in enumerate(subjects):
            if not isinstance(item, dict):
                continue
            prefix = f"$.credentialSubject[{i}]" if isinstance(subject, list) else "$.credentialSubject"
            record = model.record_from_subject(item)
            found.schema_errors.extend(schemas.errors(record, schema_id, prefix=prefix))
            for finding in domain_findings(model, record):
                error: BpvcError = MalformedError(
                    f"{finding.check}: {finding.message}", json_path=prefix + finding.json_path[1:]
                )
                (found.errors if finding.severity == "error" else found.warnings).append(error)
        return found

    def verify_sd_jwt(
        self,
        verifier: Verifier,
        text: str,
        now: dates.Instant,
        challenge: str | None,
        domain: str | list[str] | None,
    ) -> VerificationResult | None:
        from ..sd_jwt.vc import verify_with  # SD-JWT VCs of bpvc's records, reusing the verifier's checks

        return verify_with(verifier, text, now, challenge, domain)


BATTERY_RECORD_RULES = BatteryRecordRules()
