"""A separate process appending to one export log (for the concurrency and crash tests)."""

import json
import sys
from datetime import UTC, datetime

from bpvc.crossborder import export_log
from bpvc.keys.primitives import KeyPair


def main(log: str, key_file: str, writer: str, count: int) -> None:
    key = KeyPair.from_private_jwk(json.loads(open(key_file).read()))
    for i in range(count):
        entry = {"time": datetime(2026, 12, 1, tzinfo=UTC).isoformat(), "writer": writer, "n": i, "pad": "x" * 512}
        export_log.append(log, entry, key)
        if count < 0:  # pragma: no cover
            break


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
