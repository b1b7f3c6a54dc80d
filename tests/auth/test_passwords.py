"""The dummy hash an unknown email is verified against costs what a real one costs to verify, and matches nothing."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters

from avatar_creator.auth.passwords import Passwords, _unmatchable_hash


def test_the_dummy_hash_has_the_parameters_of_a_real_hash():
    hasher = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=2)
    assert extract_parameters(_unmatchable_hash(hasher)) == extract_parameters(hasher.hash("a password"))


def test_an_unknown_account_never_verifies_and_a_known_one_does():
    passwords = Passwords(time_cost=1, memory_kib=1024, parallelism=1, max_concurrent=1)
    stored = passwords.hash("correct horse")
    assert passwords.verify(None, "correct horse") is False
    assert passwords.verify(None, "") is False
    assert passwords.verify(stored, "correct horse") is True
