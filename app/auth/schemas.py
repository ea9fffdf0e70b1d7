"""Request and response bodies of the auth API (strict: unknown fields are refused)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.auth.models import Role


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# One rule for user names wherever a user is made: the API's body and `python -m app users create`.
UserName = Annotated[str, StringConstraints(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-\u4e00-\u9fff]+$")]
USER_NAME_RULE = (
    "用户名须为 2–64 个字符：字母、数字、汉字或 _ . -",
    "A user name is 2–64 characters: letters, digits, Chinese characters, _ . -",
)


class UserCreate(Strict):
    name: UserName
    role: Role
    districts: list[str] = Field(default_factory=list, max_length=500)
    password: str | None = Field(default=None, min_length=8, max_length=256)
    display_name: str | None = Field(default=None, max_length=128)
    email: str | None = Field(default=None, max_length=254, description="催报邮件地址 / for mailed reminders")


class PasswordSet(Strict):
    password: str = Field(min_length=8, max_length=256, description="新密码（至少 8 位）/ the new password (8+)")


class SessionsEnded(BaseModel):
    user: str
    sessions: int = Field(description="结束的登录会话数 / sign-ins ended")
    tokens: int = Field(description="吊销的令牌数 / tokens revoked")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    display_name: str | None
    email: str | None = None
    role: Role
    districts: list[str]
    is_active: bool
    created_at: dt.datetime


class Me(BaseModel):
    name: str
    role: Role
    districts: list[str] | None = Field(description="None: the whole country")


class TokenCreate(Strict):
    user: str = Field(description="user name")
    name: str | None = Field(default=None, max_length=128)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    name: str | None
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="the token itself; shown once, store it now")
