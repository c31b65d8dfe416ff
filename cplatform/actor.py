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


# Who a signed-out visitor is on the public pages and endpoints (the catalog, a course's page): no
# uid and no role, so every role check and membership rule answers "no" and only published courses
# and public fields are shown.
@dataclass(frozen=True)
class _Visitor(Actor):
    is_authenticated = False
    is_anonymous = True


VISITOR = _Visitor(uid="", email="", role=None, via="none")


def actor_or_visitor(actor) -> Actor:
    """The signed-in Actor, or VISITOR for a signed-out request (None or the middleware's stand-in)."""
    return actor if isinstance(actor, Actor) else VISITOR
