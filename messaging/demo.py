"""Demo conversations for `make run` (called by the seed_demo command). Safe to run again: the
messages carry fixed client ids, and a retry with the same client id stores nothing new."""

from __future__ import annotations

from cplatform.actor import Actor
from messaging import services


def _actor(profile: dict) -> Actor:
    return Actor(uid=profile["id"], email=profile["email"], role=profile["role"])


GROUP_NAME = "Algebra study group"


def seed_messaging(*, admin: dict, teachers: list[dict], students: list[dict], parent: dict | None = None) -> None:
    """A staff conversation, a welcome from the admin, a student and a parent writing to their
    teacher, and a study group (fixed client ids: a second run stores nothing new)."""
    ada, elodie = (_actor(teacher) for teacher in teachers[:2])
    sam = _actor(students[0])
    staff_room, _ = services.open_direct_room(actor=ada, other_uid=elodie.uid)
    conversation = [
        (ada, "Bonjour Élodie! Could we swap rooms on Thursday?"),
        (elodie, "Of course - I'll take the afternoon slot."),
        (ada, "Merci! I'll update the lesson times."),
    ]
    for index, (author, text) in enumerate(conversation):
        services.post_message(actor=author, room_id=staff_room["id"], content=text, client_id=f"demo-staff-{index}")
    welcome = services.send_to_user(
        actor=_actor(admin), recipient_uid=sam.uid, content="Welcome to cplatform, Sam!", client_id="demo-welcome"
    )
    services.post_message(
        actor=sam, room_id=welcome[0]["room_id"], content="Thanks! Where do I find my schedule?", client_id="demo-q"
    )
    lesson_chat, _ = services.open_direct_room(actor=sam, other_uid=ada.uid)
    for index, (author, text) in enumerate(
        [
            (sam, "Hi Ada, I could not finish exercise 4 of the notes."),
            (ada, "No problem Sam: bring it on Thursday and we will go through it together."),
        ]
    ):
        services.post_message(actor=author, room_id=lesson_chat["id"], content=text, client_id=f"demo-sam-ada-{index}")
    if parent:
        pat = _actor(parent)
        family_chat, _ = services.open_direct_room(actor=pat, other_uid=ada.uid)
        for index, (author, text) in enumerate(
            [
                (pat, "Hello, how is Sam doing in algebra?"),
                (ada, "Very well! Sam attends every lesson; the progress is on your My children page."),
            ]
        ):
            services.post_message(
                actor=author, room_id=family_chat["id"], content=text, client_id=f"demo-pat-ada-{index}"
            )
    rooms = services.list_my_rooms(actor=ada, limit=50, cursor=None).items
    group = next((room for room in rooms if room["kind"] == "group" and room.get("name") == GROUP_NAME), None)
    if group is None:
        group = services.create_group_room(
            actor=ada, name=GROUP_NAME, member_uids=[student["id"] for student in students[:3]]
        )
    services.post_message(
        actor=ada,
        room_id=group["id"],
        content="Welcome to the study group! Share questions about the exercises here.",
        client_id="demo-group-0",
    )
    if len(students) > 1:
        services.post_message(
            actor=_actor(students[1]),
            room_id=group["id"],
            content="Thanks! Does anyone want to revise for the quiz together?",
            client_id="demo-group-1",
        )
