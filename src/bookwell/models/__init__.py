"""All ORM models, imported here so that Alembic and the app see one metadata."""

from bookwell.models.auth import ApiKey, AuthSession, RefreshToken
from bookwell.models.base import Base
from bookwell.models.users import User, UserType

__all__ = ["ApiKey", "AuthSession", "Base", "RefreshToken", "User", "UserType"]
