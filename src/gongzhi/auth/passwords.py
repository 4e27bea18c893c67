"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).

One module-level hasher. Tests call `use_fast_hashing_for_tests()` (tests/factories.py does
so at import) to swap in the cheapest legal parameters; hashes made that way still verify
with the production hasher, and the production hasher reports them as needing a rehash,
so such a hash upgrades itself at the next login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# A hash of nothing in particular: unknown usernames are verified against it so a failed
# login takes as long whether or not the account exists.
_dummy_hash: str | None = None


def use_fast_hashing_for_tests() -> None:
    """Cheapest Argon2 parameters. For test suites only; never call this in the application."""
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    _dummy_hash = None


def hash_password(password: str) -> str:
    return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches. argon2 compares in constant time; a malformed hash is no match."""
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the current hasher's."""
    try:
        return bool(_hasher.check_needs_rehash(password_hash))
    except InvalidHashError:
        return True


def burn_verify(password: str) -> None:
    """Spend the time of one verification; used when there is no account to check against."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("gongzhi-dummy-password")
    verify_password(_dummy_hash, password)
