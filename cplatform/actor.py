"""Who is acting: the verified identity every service takes explicitly."""

from __future__ import annotations

from dataclasses import dataclass

STUDENT, TEACHER, PARENT, ADMIN = "student", "teacher", "parent", "admin"
ALL_ROLES = frozenset({STUDENT, TEACHER, PARENT, ADMIN})
SELF_REGISTER_ROLES = (STUDENT, TEACHER, PARENT)


@dataclass(frozen=True)
class Actor:
    uid: str
    email: str
    role: str | None
    # How the request proved who it is: "token" (Bearer ID token) or "cookie" (session cookie).
    via: str = "token"
    # The raw credential, kept so logout can refuse this exact token at once everywhere.
    credential: str = ""
    issued_at: int = 0
    # When the user last typed her password (the `auth_time` claim): sensitive actions ask for a recent one.
    auth_time: int = 0

    # DRF and templates ask these of request.user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def has_role(self, *roles: str) -> bool:
        return self.role in roles
