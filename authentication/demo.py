"""Demo accounts for `make run` (the seed_demo command): an admin, two teachers, three students and
a parent linked to the first student. Safe to run again: existing accounts are kept."""

from __future__ import annotations

from authentication import identity, services
from authentication.access import children_of
from cplatform.actor import Actor
from firestore_operations import users as user_store

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - published demo logins for the emulators only
ADMIN = {"email": "admin@demo.cplatform.dev", "display_name": "Alex Admin"}
TEACHERS = [
    {
        "email": "ada@demo.cplatform.dev",
        "display_name": "Ada Lovelace",
        "teacher": {"subjects": ["Mathematics", "Computer Science"]},
        "bio": "Mathematician. I teach algorithms from first principles.",
    },
    {
        "email": "elodie@demo.cplatform.dev",
        "display_name": "Élodie Martin",
        "teacher": {"subjects": ["French", "Literature"]},
        "bio": "French teacher in Lyon; conversation classes for all levels.",
    },
]
STUDENTS = [
    {"email": "sam@demo.cplatform.dev", "display_name": "Sam Carter", "student": {"grade_level": "10"}},
    {"email": "lina@demo.cplatform.dev", "display_name": "Lina Okafor", "student": {"grade_level": "11"}},
    {"email": "tom@demo.cplatform.dev", "display_name": "Tom Nguyen", "student": {"grade_level": "9"}},
]
PARENT = {"email": "pat@demo.cplatform.dev", "display_name": "Pat Carter"}


def seed_accounts() -> dict:
    """The demo profiles by part: {"admin", "teachers", "students", "parent"}."""
    admin = _account(ADMIN, "admin")
    teachers = [_account(spec, "teacher") for spec in TEACHERS]
    students = [_account(spec, "student") for spec in STUDENTS]
    parent = _account(PARENT, "parent")
    if students[0]["id"] not in children_of(parent):
        user_store.link_parent_and_child(parent["id"], students[0]["id"])
    return {"admin": admin, "teachers": teachers, "students": students, "parent": parent}


def _account(spec: dict, role: str) -> dict:
    uid = identity.uid_for_email(spec["email"])
    if uid and user_store.get_profile(uid):
        return user_store.get_profile(uid)
    if uid:  # an Auth account left without its profile by an interrupted run
        identity.delete_account(uid)
    if role == "admin":
        profile = services.create_admin(email=spec["email"], password=DEMO_PASSWORD, display_name=spec["display_name"])
    else:
        profile = services.register_user(
            email=spec["email"], password=DEMO_PASSWORD, display_name=spec["display_name"], role=role
        )
    # Demo addresses are ours: they count as verified, so the demo's notification emails go out.
    identity.mark_email_verified(profile["id"])
    user_store.update_profile(profile["id"], {"email_verified": True})
    profile = {**profile, "email_verified": True}
    changes = {key: spec[key] for key in ("bio", "teacher", "student") if key in spec}
    if changes:
        actor = Actor(uid=profile["id"], email=profile["email"], role=role)
        profile = services.update_my_profile(actor=actor, changes=changes)
    return profile
