import pytest

from bpvc import multibase
from bpvc.errors import MalformedError


@pytest.mark.parametrize("data", [b"", b"\0", b"\0\0\x01", b"hello world", bytes(range(256))])
def test_base58_round_trip_keeps_leading_zeros(data):
    encoded = multibase.b58encode(data)
    assert multibase.b58decode(encoded, max_chars=max(len(encoded), 1)) == data


def test_leading_zero_bytes_become_ones():
    assert multibase.b58encode(b"\0\0\x01") == "112"


@pytest.mark.parametrize(
    "text, key_type, prefix",
    [
        ("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "ed25519", "z6Mk"),
        ("zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP", "p256", "zDna"),
        ("z82LkuBieyGShVBhvtE2zoiD6Kma4tJGFtkAhxR5pfkp5QPw4LutoYWhvQCnGjdVn14kujQ", "p384", "z82L"),
    ],
)
def test_vector_public_keys_decode_with_their_headers(text, key_type, prefix):
    decoded_type, raw = multibase.decode_multikey(text)
    assert decoded_type == key_type
    assert multibase.encode_multikey(key_type, raw) == text
    assert text.startswith(prefix)


def test_secret_multikey_accepts_64_byte_ed25519():
    # The DI test suite's defaultKey.json secret is seed||public.
    secret = "zrv3rbPamVDGvrm7LkYPLWYJ35P9audujKKsWn3x29EUiGwwhdZQd1iHhrsmZidtVALBQmhX3j9E5Fvx6Kr29DPt6LH"
    key_type, raw = multibase.decode_multikey(secret, secret=True)
    assert (key_type, len(raw)) == ("ed25519", 64)


@pytest.mark.parametrize("bad", ["", "x123", "f00", "z0OIl", 7, None])
def test_bad_multibase_is_refused(bad):
    with pytest.raises(MalformedError):
        multibase.decode(bad)


def test_unknown_multikey_header_and_wrong_length_are_refused():
    with pytest.raises(MalformedError, match="header"):
        multibase.decode_multikey(multibase.encode(b"\x12\x00" + b"\1" * 32))
    with pytest.raises(MalformedError, match="31 key bytes"):
        multibase.decode_multikey(multibase.encode(b"\xed\x01" + b"\1" * 31))


def test_base64url_rejects_padding_and_standard_alphabet():
    with pytest.raises(MalformedError):
        multibase.b64url_decode("ab==")
    with pytest.raises(MalformedError):
        multibase.b64url_decode("a+b/")
