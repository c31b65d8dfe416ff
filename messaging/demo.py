"""Demo conversations for `make run` (called by the seed_demo command). Safe to run again: the
messages carry fixed client ids, and a retry with the same client id stores nothing new."""

from __future__ import annotations

from cplatform.actor import Actor
from messaging import services


def _actor(profile: dict) -> Actor:
    return Actor(uid=profile["id"], email=profile["email"], role=profile["role"])


def seed_messaging(*, admin: dict, teachers: list[dict], students: list[dict]) -> None:
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
