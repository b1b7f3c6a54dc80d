"""Password hashing with argon2, its cost a setting and concurrent hashes capped (each costs ~64 MiB of memory)."""

from __future__ import annotations

import base64
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION


class Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int, max_concurrent: int):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self._slots = threading.BoundedSemaphore(max_concurrent)
        # Verified against when the email is unknown, so a login takes as long whether or not the account exists.
        self._dummy_hash = _unmatchable_hash(self._hasher)

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        with self._slots:
            try:
                return self._hasher.verify(password_hash or self._dummy_hash, password) and password_hash is not None
            except (VerificationError, InvalidHashError):
                return False


def _unmatchable_hash(hasher: PasswordHasher) -> str:
    """An argon2 hash string with the hasher's parameters and random bytes as its digest: verifying a password against
    it costs what a real verify costs, yet building it costs nothing (hashing a dummy took 0.2 s of every start)."""
    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode().rstrip("=")

    return (f"$argon2{hasher.type.name.lower()}$v={ARGON2_VERSION}$m={hasher.memory_cost},t={hasher.time_cost},"
            f"p={hasher.parallelism}${b64(secrets.token_bytes(hasher.salt_len))}"
            f"${b64(secrets.token_bytes(hasher.hash_len))}")
