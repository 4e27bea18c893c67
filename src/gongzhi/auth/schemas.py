"""API shapes for accounts and logins."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gongzhi.auth.models import User
from gongzhi.auth.pii import mask_id_number, mask_phone


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    area_id: int | None
    area_code: str | None
    unit_id: int | None
    phone: str = Field(description="Masked unless this is the caller's own account")
    id_number: str = Field(description="Masked unless this is the caller's own account")
    email: str
    language: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User, *, area_code: str | None, masked: bool = True) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            area_id=user.area_id,
            area_code=area_code,
            unit_id=user.unit_id,
            phone=mask_phone(user.phone) if masked else user.phone,
            id_number=mask_id_number(user.id_number) if masked else user.id_number,
            email=user.email,
            language=user.language,
            is_active=user.is_active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=64)
    role: str = Field(max_length=20)
    password: str = Field(max_length=1024)
    area_code: str | None = Field(default=None, max_length=32)
    unit_code: str | None = Field(default=None, max_length=40)
    display_name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=32)
    id_number: str = Field(default="", max_length=32)
    email: str = Field(default="", max_length=200)
    language: str = Field(default="zh", max_length=8)
