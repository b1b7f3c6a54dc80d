"""Signed file URLs: stable within a 6-hour bucket, bound to their path, secret and expiry."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from avatar_creator.signing import BUCKET_SECONDS, sign_path, verify

SECRET = b"test-secret-of-reasonable-length"
PATH = "/uploads/u/user1/abc.jpg"
HOUR = 3600
START = 1_800_000_000 // BUCKET_SECONDS * BUCKET_SECONDS  # a bucket boundary


def parts(query: str) -> tuple[str, str]:
    parsed = parse_qs(query, strict_parsing=True)
    return parsed["exp"][0], parsed["sig"][0]


def test_same_url_throughout_a_bucket():
    queries = {sign_path(PATH, secret=SECRET, now=START + offset) for offset in (0, 1, 3 * HOUR, 6 * HOUR - 0.001)}
    assert len(queries) == 1
    assert sign_path(PATH, secret=SECRET, now=START + 6 * HOUR) not in queries


@pytest.mark.parametrize("offset", [0, 1, 3 * HOUR, 6 * HOUR - 1])
def test_expiry_is_a_boundary_at_least_ttl_away(offset):
    now = START + offset
    exp = int(parts(sign_path(PATH, secret=SECRET, now=now))[0])
    assert exp % BUCKET_SECONDS == 0
    assert now + 6 * HOUR < exp <= now + 12 * HOUR  # signed just before a boundary, it still lives over 6 hours


def test_valid_until_expiry():
    exp, sig = parts(sign_path(PATH, secret=SECRET, now=START))
    assert verify(PATH, exp, sig, secret=SECRET, now=START)
    assert verify(PATH, int(exp), sig, secret=SECRET, now=int(exp) - 1)
    assert not verify(PATH, exp, sig, secret=SECRET, now=int(exp))
    assert not verify(PATH, exp, sig, secret=SECRET, now=int(exp) + 1)


def test_other_path_secret_or_expiry_fails():
    exp, sig = parts(sign_path(PATH, secret=SECRET, now=START))
    assert not verify("/uploads/u/user1/other.jpg", exp, sig, secret=SECRET, now=START)
    assert not verify(PATH, exp, sig, secret=b"another-secret", now=START)
    assert not verify(PATH, str(int(exp) + BUCKET_SECONDS), sig, secret=SECRET, now=START)


@pytest.mark.parametrize(
    ("exp", "sig"),
    [
        (None, None),
        ("", ""),
        ("soon", "x"),
        ("+1", "x"),
        ("9" * 5000, "x"),
        ("٣٣", "x"),  # non-ASCII digits
        (None, "x"),
        ("1", None),
    ],
)
def test_malformed_queries_fail_without_raising(exp, sig):
    assert not verify(PATH, exp, sig, secret=SECRET, now=0)


def test_tampered_signature_fails():
    exp, sig = parts(sign_path(PATH, secret=SECRET, now=START))
    tampered = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert not verify(PATH, exp, tampered, secret=SECRET, now=START)
    assert not verify(PATH, exp, sig + "=", secret=SECRET, now=START)
    assert not verify(PATH, exp, "é" + sig[1:], secret=SECRET, now=START)


def test_empty_secret_is_refused():
    with pytest.raises(ValueError):
        sign_path(PATH, secret=b"", now=START)
