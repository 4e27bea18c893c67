"""Personal data: masking, format checks, and which roles may read it unmasked.

Callers that show an unmasked phone or ID number write the read to the data-access log
(audit module); this module only decides and masks.
"""

from __future__ import annotations

import re
from datetime import date

from gongzhi.auth.models import User

# Roles whose work needs real phone numbers and ID numbers: calling a reporter back,
# visiting a household, identifying parties to a dispute, reaching an elder's family.
PII_READER_ROLES = frozenset({"admin", "official", "grid_worker", "dept_staff", "mediator", "doctor"})

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
# Landline: area code 0xx / 0xxx, 7–8 digit number, optional extension.
_LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def can_read_pii(user: User | None) -> bool:
    return user is not None and user.is_active and user.role in PII_READER_ROLES


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678; landlines keep the area code and the last 4 digits."""
    if not phone:
        return ""
    digits = phone.replace("-", "").replace(" ", "")
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return digits[:2] + "*" * (len(digits) - 6) + digits[-4:]


def mask_id_number(id_number: str) -> str:
    """First 6 (region) + ******** + last 4."""
    if not id_number:
        return ""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_name(name: str) -> str:
    """张三 -> 张*, 王小明 -> 王*明, Alice -> A***e."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def normalize_phone(phone: str) -> str | None:
    """The stored form of a phone number, or None if it is not a mainland mobile or landline."""
    compact = re.sub(r"\s+", "", phone)
    m = _MOBILE.match(compact)
    if m:
        return m.group(1)
    m = _LANDLINE.match(compact)
    if m:
        area, number, ext = m.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    return None


def id_number_check_digit(first17: str) -> str:
    """GB 11643-1999 ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(id_number: str) -> str | None:
    """Upper-cased 18-character ID number, or None when the format, birth date or checksum is wrong."""
    value = id_number.strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return None
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None
    if born.year < 1880:
        return None
    if id_number_check_digit(value[:17]) != value[17]:
        return None
    return value
