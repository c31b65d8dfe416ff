"""The demo data `make run` loads: complete, and safe to load again."""

from __future__ import annotations

import io

from django.core.management import call_command

from authentication import identity
from authentication.demo import ADMIN, DEMO_PASSWORD, PARENT, STUDENTS, TEACHERS
from firestore_operations import users as user_store
from firestore_operations.chat_rooms import direct_room_id
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
    lessons_and_notes = _lessons_and_notes()
    seed()
    assert uids == {email: identity.uid_for_email(email) for email in uids}
    parent = user_store.get_profile(uids[PARENT["email"]])
    assert len(parent["parent"]["children"]) == 1
    assert _lessons_and_notes() == lessons_and_notes


def test_the_demo_conversations_are_stored_once_however_often_they_are_loaded():
    from cplatform.actor import Actor
    from messaging import services as chat

    seed()
    seed()
    ada = user_store.get_profile(identity.uid_for_email(TEACHERS[0]["email"]))
    actor = Actor(uid=ada["id"], email=ada["email"], role="teacher")
    elodie_uid = identity.uid_for_email(TEACHERS[1]["email"])
    rooms = chat.list_my_rooms(actor=actor, limit=20, cursor=None).items
    direct = [room for room in rooms if room["kind"] == "direct"]
    assert len(direct) == len({room["id"] for room in direct}) == 3  # Élodie, Sam, Sam's parent
    [staff] = [room for room in direct if room["id"] == direct_room_id(actor.uid, elodie_uid)]
    messages, _ = chat.list_messages(actor=actor, room_id=staff["id"])
    assert messages[0]["content"].startswith("Bonjour")
    assert len(messages) == 3
    groups = [room for room in rooms if room["kind"] == "group"]
    assert len(groups) == 1
    assert len(chat.list_messages(actor=actor, room_id=groups[0]["id"])[0]) == 2


# --- a lived-in platform: lessons, materials, attendance, replies, conversations, notifications ----


def _actor_for(email: str):
    from cplatform.actor import Actor

    profile = user_store.get_profile(identity.uid_for_email(email))
    return Actor(uid=profile["id"], email=profile["email"], role=profile["role"])


def test_the_demo_is_lived_in():
    """Every course has two past lessons, lessons this week and next and course notes; attendance,
    progress, replies, conversations, a group room and notifications are there (one seed, checked together)."""
    import datetime as dt

    from courses.demo import COURSES
    from courses.lessons import services as lessons
    from courses.materials import services as materials

    seed()
    now = dt.datetime.now(dt.UTC)
    admin = _actor_for(ADMIN["email"])
    for course_id, _, _ in COURSES:
        page, _ = lessons.list_lessons(actor=admin, course_id=course_id, since=None, limit=50, cursor=None)
        starts = [lesson["starts_at"] for lesson in page.items]
        assert sum(start < now for start in starts) == 2, course_id
        assert any(now <= start < now + dt.timedelta(days=7) for start in starts), course_id
        assert any(now + dt.timedelta(days=7) <= start < now + dt.timedelta(days=14) for start in starts), course_id
        assert materials.list_materials(actor=admin, course_id=course_id, limit=5, cursor=None).items, course_id
    _the_parent_sees_her_childs_attendance_and_progress()
    _feedback_has_teacher_replies()
    _students_and_parents_have_conversations_and_notifications()


def _lessons_and_notes() -> dict:
    """Per demo course: how many lessons and materials it has."""
    from courses.demo import COURSES
    from courses.lessons import services as lessons
    from courses.materials import services as materials

    admin = _actor_for(ADMIN["email"])
    return {
        course_id: (
            len(lessons.list_lessons(actor=admin, course_id=course_id, since=None, limit=100, cursor=None)[0].items),
            len(materials.list_materials(actor=admin, course_id=course_id, limit=10, cursor=None).items),
        )
        for course_id, _, _ in COURSES
    }


def _the_parent_sees_her_childs_attendance_and_progress():
    from courses.progress import services as progress

    pat = _actor_for(PARENT["email"])
    sam_uid = identity.uid_for_email(STUDENTS[0]["email"])
    result = progress.course_progress(actor=pat, course_id="demo-algebra-from-scratch", student_uid=sam_uid)
    assert result["lessons_completed"] == 2 and result["lessons_attended"] >= 1
    history = progress.lesson_history(actor=pat, student_uid=sam_uid, limit=50, cursor=None).items
    assert history and all(item["attendance"] in ("present", "absent", "excused") for item in history)


def _feedback_has_teacher_replies():
    from courses.feedback import services as feedback

    items = feedback.list_feedback(
        actor=_actor_for(ADMIN["email"]), course_id="demo-algebra-from-scratch", limit=10, cursor=None
    ).items
    assert any(item.get("reply") for item in items)


def _students_and_parents_have_conversations_and_notifications():
    from messaging import notification_services
    from messaging import services as chat

    sam = _actor_for(STUDENTS[0]["email"])
    kinds = [room["kind"] for room in chat.list_my_rooms(actor=sam, limit=20, cursor=None).items]
    assert kinds.count("direct") >= 2 and "group" in kinds and "course" in kinds
    pat = _actor_for(PARENT["email"])
    assert [room["kind"] for room in chat.list_my_rooms(actor=pat, limit=20, cursor=None).items] == ["direct"]
    assert notification_services.count_my_unread_notifications(actor=sam) > 0
    assert notification_services.count_my_unread_notifications(actor=_actor_for(TEACHERS[0]["email"])) > 0


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
