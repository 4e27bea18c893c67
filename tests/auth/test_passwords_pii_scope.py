"""Pure functions: password hashing, PII masking and checks, scope paths."""

from __future__ import annotations

import importlib.util

import pytest
from argon2 import PasswordHasher
from tests.factories import id_number

from gongzhi.auth import passwords
from gongzhi.auth.models import ROLES, User
from gongzhi.auth.pii import (
    can_read_pii,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_id_number,
    normalize_phone,
)
from gongzhi.auth.scope import in_scope


def test_hash_and_verify() -> None:
    h = passwords.hash_password("correct horse")
    assert h.startswith("$argon2id$")
    assert "correct horse" not in h
    assert passwords.verify_password(h, "correct horse")
    assert not passwords.verify_password(h, "correct horsE")
    assert not passwords.verify_password(h, "")


def test_hashes_are_salted() -> None:
    assert passwords.hash_password("same") != passwords.hash_password("same")


def test_malformed_hash_is_no_match_not_an_error() -> None:
    assert not passwords.verify_password("not-a-hash", "x")
    assert not passwords.verify_password("", "x")
    assert passwords.needs_rehash("not-a-hash")


def test_hash_with_other_parameters_needs_rehash_but_still_verifies() -> None:
    other = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash("pw123456")
    assert passwords.needs_rehash(other)
    assert passwords.verify_password(other, "pw123456")
    assert not passwords.needs_rehash(passwords.hash_password("pw123456"))


def test_module_defaults_to_production_parameters() -> None:
    # Load a fresh copy: the imported one was switched to fast hashing by tests/factories.py.
    spec = importlib.util.find_spec("gongzhi.auth.passwords")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    prod = PasswordHasher()
    assert (fresh._hasher.time_cost, fresh._hasher.memory_cost) == (prod.time_cost, prod.memory_cost)
    # ...so a hash made with the test parameters is upgraded at its first production login.
    assert fresh.needs_rehash(passwords.hash_password("x"))


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0571-88889999", "057*****9999"),
        ("", ""),
        ("1234", "****"),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


def test_mask_id_number_keeps_region_and_last_four() -> None:
    assert mask_id_number("33010619800101123X") == "330106********123X"
    assert mask_id_number("") == ""


def test_mask_name() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("王小明") == "王*明"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("李") == "李"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0571-88889999", "0571-88889999"),
        ("057188889999", "0571-88889999"),
        ("010-12345678-123", "010-12345678-123"),
        ("12812345678", None),  # no mobile prefix 12
        ("1381234567", None),
        ("138123456789", None),
        ("phone", None),
        ("5718888999", None),
    ],
)
def test_normalize_phone(raw: str, stored: str | None) -> None:
    assert normalize_phone(raw) == stored


def test_id_number_checksum() -> None:
    valid = id_number()
    assert normalize_id_number(valid) == valid
    # The standard's own example: 11010519491231002X.
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    assert normalize_id_number(wrong_check) is None
    assert normalize_id_number(valid[:17]) is None
    assert normalize_id_number(id_number(birth="19800230")) is None  # 30 February
    assert normalize_id_number("A" + valid[1:]) is None


def test_pii_reader_roles() -> None:
    readers = {"admin", "official", "grid_worker", "dept_staff", "mediator", "doctor"}
    for role in ROLES:
        user = User(username="u", role=role, is_active=True)
        assert can_read_pii(user) is (role in readers)
    assert not can_read_pii(User(username="u", role="admin", is_active=False))
    assert not can_read_pii(None)


def test_in_scope_is_a_path_prefix() -> None:
    assert in_scope("/1/4/", "/1/4/")
    assert in_scope("/1/4/", "/1/4/17/")
    assert not in_scope("/1/4/", "/1/40/")  # the trailing slash keeps 4 and 40 apart
    assert not in_scope("/1/4/17/", "/1/4/")
    assert not in_scope(None, "/1/")
    assert not in_scope("/1/", None)
