"""The auth domain model: the User aggregate, its rules and events. No I/O here."""

from avion_auth.domain.user import (
    MIN_PASSWORD_LENGTH,
    PasswordHasher,
    User,
    UsernameChanged,
    UserSignedUp,
    check_email,
    check_password,
    check_username,
    validate_sign_up,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "PasswordHasher",
    "User",
    "UserSignedUp",
    "UsernameChanged",
    "check_email",
    "check_password",
    "check_username",
    "validate_sign_up",
]
