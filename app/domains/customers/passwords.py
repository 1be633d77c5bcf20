"""Passwords: argon2id hashes, and a check that costs the same whether or not the account
exists (no account enumeration through timing)."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.domains.customers.errors import PasswordTooLong, PasswordTooShort

MIN_LENGTH = 8
# argon2 takes any length, but hashing megabytes per attempt is a cheap denial of service
MAX_LENGTH = 256


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, RFC 9106's low-memory profile


@cache
def _dummy_hash() -> str:
    return _hasher().hash("not anybody's password")


def check_new(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordTooShort(f"The password needs at least {MIN_LENGTH} characters", field)
    if len(password) > MAX_LENGTH:
        raise PasswordTooLong(f"The password may have at most {MAX_LENGTH} characters", field)


async def hash_password(password: str) -> str:
    # argon2 takes tens of milliseconds of CPU: off the event loop
    return await asyncio.to_thread(_hasher().hash, password)


async def verify(stored: str | None, password: str) -> bool:
    """True if `password` matches `stored`. With no stored hash (unknown account, or one
    without a password) a dummy hash is checked, so both cases take as long as a real one."""
    target = stored or _dummy_hash()
    if len(password) > MAX_LENGTH:
        password = password[: MAX_LENGTH + 1]  # fails anyway; bounds the work

    def run() -> bool:
        try:
            return _hasher().verify(target, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(run)
