"""How a partner system embeds the bpvc verifier: build it once, verify a folder of received credentials.

    python examples/partner_check.py RECEIVED_DIR --did-doc maker-did.json --status-list URL=FILE \
        [--policy policy.toml] [--challenge C --domain D] [--now 2026-12-01T00:00:00Z] [--expect KIND]

Prints one JSON line per file: {"file", "kind", "verified", "outcome", "failed", "problems"}; outcome is
"verified", "invalid" (something is wrong) or "undecided" (could not be checked: an unknown
context, an unreachable key or status list).

A verified result says the document is what it claims to be; it does not say it is the kind of
document you expected. So check ``result.kind`` too: this script accepts credentials, and
presentations only when it asked for a challenge (a presentation that answers no challenge of
yours can be a replay). A document of another kind is "invalid" and lists "kind" as failed.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from bpvc import Verifier, load_policy, strict_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--did-doc", action="append", default=[], type=Path)
    parser.add_argument("--status-list", action="append", default=[], help="URL=FILE")
    parser.add_argument("--policy", type=Path)
    parser.add_argument("--challenge")
    parser.add_argument("--domain")
    parser.add_argument("--now", type=datetime.fromisoformat)
    parser.add_argument(
        "--expect",
        action="append",
        choices=["credential", "presentation"],
        help="The kinds of document accepted (repeatable); default: credentials, and presentations with --challenge.",
    )
    args = parser.parse_args()
    expected = set(args.expect or (["credential", "presentation"] if args.challenge else ["credential"]))

    # Build the verifier once; it is immutable and thread-safe, so share it across the whole system.
    documents = {doc["id"]: doc for doc in (strict_json.load_file(p) for p in args.did_doc)}
    lists = dict(spec.split("=", 1) for spec in args.status_list)
    verifier = Verifier(
        policy=load_policy(args.policy) if args.policy else None, did_documents=documents, status_lists=lists
    )

    for path in sorted(args.folder.iterdir()):
        result = verifier.verify(
            strict_json.read_bounded(path), now=args.now, challenge=args.challenge, domain=args.domain
        )
        right_kind = result.kind in expected
        verified = result.verified and right_kind
        outcome = "verified" if verified else "invalid" if result.invalid or not right_kind else "undecided"
        failed = [] if right_kind else ["kind"]
        failed += [c.name for c in result.checks if c.outcome.value in ("failed", "indeterminate")]
        failed += [
            f"credential {i}: {c.name}"
            for i, cred in enumerate(result.credentials)
            for c in cred.checks
            if c.outcome.value in ("failed", "indeterminate")
        ]
        problems = sorted(
            {p.type.rsplit("#", 1)[-1] for p in result.problems}
            | {p.type.rsplit("#", 1)[-1] for cred in result.credentials for p in cred.problems}
        )
        print(
            json.dumps(
                {
                    "file": path.name,
                    "kind": result.kind,
                    "verified": verified,
                    "outcome": outcome,
                    "failed": failed,
                    "problems": problems,
                }
            )
        )


if __name__ == "__main__":
    main()
