"""Wire shapes of the auth API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints, field_validator

from avatar_creator.schemas import ApiModel


def _normalise_email(value: str) -> str:
    return value.strip().lower()


Email = Annotated[EmailStr, AfterValidator(_normalise_email)]
Password = Annotated[str, Field(min_length=12, max_length=128)]


class RegisterIn(ApiModel):
    email: Email
    password: Password
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class LoginIn(ApiModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class UserRead(ApiModel):
    id: str
    email: str
    name: str | None
    role: str
    credit_balance: int
    storage_used: int
    storage_quota: int
    created_at: datetime


class ProfileIn(ApiModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    email: Email | None = None
    current_password: Annotated[str, Field(max_length=1024)] | None = None  # needed to change the email


class PasswordChangeIn(ApiModel):
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Password


class ForgotPasswordIn(ApiModel):
    email: Email


class ResetPasswordIn(ApiModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    new_password: Password


class VerifyEmailIn(ApiModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class DeleteAccountIn(ApiModel):
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    confirm_email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]


class SessionRead(ApiModel):
    id: str
    user_agent: str | None
    device: str
    ip: str | None
    created_at: datetime
    last_seen_at: datetime
    current: bool


Scope = Literal["avatars:read", "avatars:usage", "generate"]  # auth.tokens.SCOPES


class TokenCreate(ApiModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=3)]
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class TokenRead(ApiModel):
    id: str
    name: str
    scopes: list[str]
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return value.split() if isinstance(value, str) else value
