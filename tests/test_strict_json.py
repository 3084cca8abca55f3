"""The strict, bounded JSON loader every trust boundary uses."""

from __future__ import annotations

import json

import pytest

from bpvc import strict_json

REFUSED = {
    "duplicate member": '{"validUntil": "2000-01-01T00:00:00Z", "validUntil": "2099-01-01T00:00:00Z"}',
    "NaN": '{"a": NaN}',
    "Infinity": '{"a": -Infinity}',
    "double overflow": '{"a": 1e400}',
    "deep arrays": "[" * 10_000 + "]" * 10_000,
    "deep objects": '{"a":' * 10_000 + "1" + "}" * 10_000,
    "just past the depth limit": "[" * 65 + "]" * 65,
    "huge integer": "1" + "0" * 5_000,
    "lone surrogate in a value": '{"a": "\\ud800"}',
    "lone surrogate in a name": '{"\\udfff": 1}',
}


@pytest.mark.parametrize("text", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_a_reason(text: str) -> None:
    with pytest.raises(strict_json.StrictJsonError) as caught:
        strict_json.loads(text)
    assert str(caught.value)


def test_accepts_what_credentials_hold() -> None:
    text = json.dumps({"a": [1, 2.5, -3, "é", "\U0001f50b", None, True, {"b": []}], "n": 10**60})
    assert strict_json.loads(text) == json.loads(text)
    assert strict_json.loads("[" * 64 + "]" * 64) is not None


def test_size_is_measured_before_parsing() -> None:
    with pytest.raises(strict_json.StrictJsonError, match="limit of 10"):
        strict_json.loads('"' + "x" * 20 + '"', max_bytes=10)


def test_not_json_is_a_decode_error_with_position() -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        strict_json.loads('{"a": }')
    assert "line 1 column 7" in strict_json.describe(caught.value)


def test_file_reads_stop_at_the_limit(tmp_path) -> None:
    with pytest.raises(strict_json.StrictJsonError, match="larger than the limit"):
        strict_json.load_file("/dev/zero", max_bytes=1024)
    path = tmp_path / "bom.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert strict_json.load_file(path) == {"a": 1}
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(strict_json.StrictJsonError, match="not UTF-8"):
        strict_json.load_file(path)
