"""The OpenAPI 3.1 document the service publishes at ``/openapi.json``."""

from __future__ import annotations

from typing import Any

from ..securing.suites import SUITES
from ..verify.result import CheckName, Outcome
from . import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from . import (
    JSON_MEDIA_TYPES,
    JWS_MEDIA_TYPE,
    PROBLEM_MEDIA_TYPE,
    STATUS_ENTRY_TYPES,
    STATUS_PURPOSES,
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def _json_body(schema: str, *, jws: bool = False) -> dict[str, Any]:
    content: dict[str, Any] = {t: {"schema": _ref(schema)} for t in sorted(JSON_MEDIA_TYPES)}
    if jws:
        content[JWS_MEDIA_TYPE] = {"schema": {"type": "string", "description": "a compact JWS (vc+jwt)"}}
    return {"required": True, "content": content}


def _ok(description: str, schema: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(schema)}}}


_REQUEST_ERRORS = {"400": _response("BadRequest"), "413": _response("TooLarge"), "415": _response("Unsupported")}
_AUTH_ERRORS = {"401": _response("Unauthorized"), "404": _response("NotEnabled")}


def openapi_document(version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of this service, written by hand (no framework generates it)."""
    securable = {
        "oneOf": [
            {"type": "object", "description": "a credential with an embedded proof, or an Enveloped credential"},
            {"type": "string", "description": "a compact JWS"},
        ]
    }
    problem_detail = {
        "type": "object",
        "required": ["type", "title", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "detail": {"type": "string"},
            "json_path": {"type": ["string", "null"]},
        },
    }
    verify_result = {
        "type": "object",
        "required": ["verified", "problemDetails"],
        "properties": {
            "verified": {"type": "boolean"},
            "problemDetails": {"type": "array", "items": _ref("ProblemDetail")},
            "results": {
                "type": "object",
                "description": "with options.returnResults: every check with its outcome",
                "properties": {
                    "kind": {"enum": ["credential", "presentation"]},
                    "checks": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "outcome", "problems"],
                            "properties": {
                                # from the enums the verifier uses, so the document cannot miss a check
                                "name": {"enum": [n.value for n in CheckName]},
                                "outcome": {"enum": [o.value for o in Outcome]},
                                "problems": {"type": "array", "items": _ref("ProblemDetail")},
                                "detail": {"type": "string"},
                                "warnings": {"type": "array", "items": _ref("ProblemDetail")},
                            },
                        },
                    },
                },
            },
            "credential": {"type": "object", "description": "with options.returnCredential"},
            "presentation": {"type": "object", "description": "with options.returnCredential"},
        },
    }
    verify_failed = {
        "allOf": [_ref("Problem"), _ref("VerifyResponse")],
        "properties": {"indeterminate": {"type": "boolean", "description": "could not decide, rather than invalid"}},
    }
    verify_options = {
        "type": "object",
        "properties": {
            "challenge": {"type": "string"},
            "domain": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "returnResults": {"type": "boolean", "default": False},
            "returnCredential": {"type": "boolean", "default": False},
        },
        "description": "other options are ignored; every check always runs",
    }
    schemas: dict[str, Any] = {
        "ProblemDetail": problem_detail,
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "detail", "status"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "detail": {"type": "string"},
                "status": {"type": "integer"},
                "problemDetails": {"type": "array", "items": _ref("ProblemDetail")},
            },
        },
        "VerifyOptions": verify_options,
        "VerifyCredentialRequest": {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {"verifiableCredential": securable, "options": _ref("VerifyOptions")},
        },
        "VerifyPresentationRequest": {
            "type": "object",
            "description": "exactly one of verifiablePresentation (options.challenge required) or a proofless "
            "presentation",
            "properties": {
                "verifiablePresentation": securable,
                "presentation": {"type": "object"},
                "options": _ref("VerifyOptions"),
            },
        },
        "VerifyResponse": verify_result,
        "VerifyFailure": verify_failed,
        "IssueRequest": {
            "type": "object",
            "required": ["credential"],
            "properties": {
                "credential": {"type": "object", "description": "an unsigned credential whose issuer is the key's"},
                "options": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "format": {"enum": ["di", "jwt"], "default": "di"},
                        "cryptosuite": {"enum": sorted(SUITES)},
                        "statusPurpose": {
                            "oneOf": [
                                {"enum": list(STATUS_PURPOSES)},
                                {"type": "array", "items": {"enum": list(STATUS_PURPOSES)}},
                            ]
                        },
                    },
                },
            },
        },
        "IssueResponse": {
            "type": "object",
            "required": ["verifiableCredential"],
            "properties": {
                "verifiableCredential": {
                    "type": "object",
                    "description": "with a Data Integrity proof, or an EnvelopedVerifiableCredential (format jwt)",
                }
            },
        },
        "StatusRequest": {
            "type": "object",
            "required": ["credentialId", "credentialStatus"],
            "properties": {
                "credentialId": {"type": "string"},
                "credentialStatus": {
                    "type": "object",
                    "required": ["statusPurpose"],
                    "properties": {
                        "type": {"enum": list(STATUS_ENTRY_TYPES)},
                        "statusPurpose": {"enum": list(STATUS_PURPOSES)},
                    },
                },
                "status": {
                    "oneOf": [{"type": "boolean"}, {"enum": ["revoked", "suspended", "active"]}],
                    "default": True,
                    "description": "true (or the word matching the purpose) revokes or suspends; false or "
                    '"active" reinstates (a revocation cannot be undone)',
                },
            },
        },
        "StatusResponse": {
            "type": "object",
            "properties": {
                "credentialId": {"type": "string"},
                "statusPurpose": {"type": "string"},
                "action": {"enum": ["revoke", "suspend", "reinstate"]},
            },
        },
        "Health": {
            "type": "object",
            "required": ["status", "version"],
            "properties": {"status": {"const": "ok"}, "version": {"type": "string"}},
        },
    }

    def problem(description: str, schema: str = "Problem") -> dict[str, Any]:
        return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref(schema)}}}

    responses = {
        "BadRequest": problem("malformed request: not JSON, not an object, a member missing or of the wrong type"),
        "TooLarge": problem("the body is larger than the server's limit"),
        "Unsupported": problem("unsupported Content-Type"),
        "Unauthorized": problem("missing or wrong bearer token"),
        "NotEnabled": problem("the endpoint is not enabled on this server (no key, registry or token)"),
        "NotVerified": problem("processed but not verified (invalid or undecided)", "VerifyFailure"),
    }
    health = {
        "get": {
            "summary": "Liveness",
            "responses": {"200": _ok("the service is up", "Health")},
        }
    }
    paths = {
        "/credentials/verify": {
            "post": {
                "summary": "Verify a credential (embedded proof, vc+jwt, or Enveloped credential)",
                "requestBody": _json_body("VerifyCredentialRequest", jws=True),
                "responses": {
                    "200": _ok("verified", "VerifyResponse"),
                    "422": _response("NotVerified"),
                    **_REQUEST_ERRORS,
                },
            }
        },
        "/presentations/verify": {
            "post": {
                "summary": "Verify a presentation bound to a challenge (and domain), and the credentials in it",
                "requestBody": _json_body("VerifyPresentationRequest"),
                "responses": {
                    "200": _ok("verified", "VerifyResponse"),
                    "422": _response("NotVerified"),
                    **_REQUEST_ERRORS,
                },
            }
        },
        "/credentials/issue": {
            "post": {
                "summary": "Sign a credential with the server's key (Data Integrity or vc+jwt)",
                "security": [{"bearer": []}],
                "requestBody": _json_body("IssueRequest"),
                "responses": {
                    "201": _ok("issued", "IssueResponse"),
                    "422": problem("the credential cannot be issued"),
                    **_REQUEST_ERRORS,
                    **_AUTH_ERRORS,
                },
            }
        },
        "/credentials/status": {
            "post": {
                "summary": "Revoke, suspend or reinstate an issued credential",
                "security": [{"bearer": []}],
                "requestBody": _json_body("StatusRequest"),
                "responses": {
                    "200": _ok("updated", "StatusResponse"),
                    "404": problem("unknown credential, or status updates are not enabled"),
                    "422": problem("the registry refused the change"),
                    "401": _response("Unauthorized"),
                    **_REQUEST_ERRORS,
                },
            }
        },
        "/status-lists/{id}": {
            "get": {
                "summary": "A status list credential (public; Cache-Control from its ttl)",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "the signed BitstringStatusListCredential",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "404": problem("no such status list"),
                },
            }
        },
        "/passports/{identifier}": {
            "get": {
                "summary": "A battery passport by its identifier (with --passports): the signed credential, or the "
                "public page for browsers, by the Accept header",
                "parameters": [{"name": "identifier", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "the credential as stored, the compact JWS, or the public HTML page",
                        "content": {
                            "application/vc+ld+json": {"schema": {"type": "object"}},
                            "application/json": {"schema": {"type": "object"}},
                            JWS_MEDIA_TYPE: {"schema": {"type": "string"}},
                            "text/html": {"schema": {"type": "string"}},
                        },
                    },
                    "404": problem("no passport with that identifier (an HTML page for browsers)"),
                    "406": problem("none of the accepted media types is available for this passport"),
                },
            }
        },
        "/health": health,
        "/healthz": health,
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bpvc",
            "version": version,
            "description": "Verify, issue and manage the status of W3C Verifiable Credentials for battery passports "
            "(W3C VC API semantics). Success is 200/201; every failure is 400 or 422 (or an HTTP-level "
            "401/404/405/413/415), as application/problem+json.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": responses,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
