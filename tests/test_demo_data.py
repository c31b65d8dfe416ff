"""The demo data `make run` loads: complete, and safe to load again."""

from __future__ import annotations

import io

from django.core.management import call_command

from authentication import identity
from authentication.demo import ADMIN, DEMO_PASSWORD, PARENT, STUDENTS, TEACHERS
from firestore_operations import users as user_store
from tests import emulators


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_creates_every_demo_account_with_its_role_and_prints_the_logins():
    output = seed()
    for spec, role in [(ADMIN, "admin"), *((t, "teacher") for t in TEACHERS), *((s, "student") for s in STUDENTS)]:
        uid = identity.uid_for_email(spec["email"])
        assert uid, spec["email"]
        assert user_store.get_profile(uid)["role"] == role
        assert spec["email"] in output
    assert emulators.sign_in(ADMIN["email"], DEMO_PASSWORD)["idToken"]


def test_the_demo_parent_is_linked_to_the_first_student():
    seed()
    parent = user_store.get_profile(identity.uid_for_email(PARENT["email"]))
    first_student = identity.uid_for_email(STUDENTS[0]["email"])
    assert parent["parent"]["children"] == [first_student]


def test_loading_twice_changes_nothing():
    seed()
    uids = {spec["email"]: identity.uid_for_email(spec["email"]) for spec in [ADMIN, *TEACHERS, *STUDENTS, PARENT]}
    seed()
    assert uids == {email: identity.uid_for_email(email) for email in uids}
    parent = user_store.get_profile(uids[PARENT["email"]])
    assert len(parent["parent"]["children"]) == 1


def test_the_demo_conversations_are_stored_once_however_often_they_are_loaded():
    from cplatform.actor import Actor
    from messaging import services as chat

    seed()
    seed()
    ada = user_store.get_profile(identity.uid_for_email(TEACHERS[0]["email"]))
    actor = Actor(uid=ada["id"], email=ada["email"], role="teacher")
    rooms = chat.list_my_rooms(actor=actor, limit=10, cursor=None).items
    direct = [room for room in rooms if room["kind"] == "direct"]
    assert len(direct) == 1
    messages, _ = chat.list_messages(actor=actor, room_id=direct[0]["id"])
    assert messages[0]["content"].startswith("Bonjour")
    assert len(messages) == 3


def test_the_demo_dashboards_have_analytics_once():
    from analytics import services
    from authentication.demo import TEACHERS
    from cplatform.actor import Actor
    from firestore_operations import analytics as store

    seed()
    documents = len(list(store.all_student_course_summaries(limit=500)))
    teacher = Actor(uid=identity.uid_for_email(TEACHERS[0]["email"]), email=TEACHERS[0]["email"], role="teacher")
    rng = services.viewer_range(actor=teacher, first=None, last=None, group="day", timezone="UTC")
    report = services.engagement_report(actor=teacher, rng=rng)
    assert report["totals"]["views"] > 0 and report["courses"]
    assert services.list_warnings(actor=teacher)["items"] or any(
        services.list_warnings(actor=Actor(uid=identity.uid_for_email(t["email"]), email="", role="teacher"))["items"]
        for t in TEACHERS[1:]
    )
    views = report["totals"]["views"]
    seed()
    assert services.engagement_report(actor=teacher, rng=rng)["totals"]["views"] == views
    assert len(list(store.all_student_course_summaries(limit=500))) == documents
