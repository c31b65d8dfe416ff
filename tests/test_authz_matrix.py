"""The authorization matrix (tests/authz_matrix.py) run against the emulators: every route of the URL
configuration, every method, every persona, in one world seeded once for the module.

A route the table does not know fails `test_every_route_has_an_entry` with its name: a new route
cannot ship without saying who may use it. See docs/testing.md, "Authorization matrix".
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests import authz_matrix as m
from tests import emulators
from tests.conftest import PASSWORD, Persona, call

HANDLERS = ("get", "post", "put", "patch", "delete")
ROLE_OF = {m.STUDENT: "student", m.TEACHER: "teacher", m.OWNER: "teacher", m.OTHER_TEACHER: "teacher"}
ROLE_OF |= {m.PARENT: "parent", m.UNLINKED_PARENT: "parent", m.ADMIN: "admin"}
PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


# --- the routes, from the URL configuration ------------------------------------------------------


def walk(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def declared_methods(callback) -> set[str]:
    """A function view's methods from its require_http_methods/require_POST; all of GET and POST without one."""
    func = callback
    while func is not None:
        allowed = inspect.getclosurevars(func).nonlocals.get("request_method_list")
        if allowed is not None:
            return {method for method in ("GET", "POST") if method in allowed}
        func = getattr(func, "__wrapped__", None)
    return {"GET", "POST"}


def discovered_routes() -> dict[str, set[str]]:
    """{route pattern: methods} for every route; a pattern shadowed by an earlier one is skipped."""
    routes: dict[str, set[str]] = {}
    for route, callback in walk(get_resolver().url_patterns):
        if route in routes or route in m.EXCLUDED:
            continue
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if view_class is not None:
            routes[route] = {name.upper() for name in HANDLERS if hasattr(view_class, name)}
        else:
            routes[route] = declared_methods(callback)
    return routes


def table() -> dict[str, dict[str, m.Rule]]:
    return {**m.API, **getattr(m, "PAGES", {})}


def test_every_route_has_an_entry():
    known = {(route, method) for route, methods in table().items() for method in methods}
    found = {(route, method) for route, methods in discovered_routes().items() for method in methods}
    missing = sorted(found - known)
    stale = sorted(known - found)
    assert not missing, (
        "routes without an authorization matrix entry (add them to tests/authz_matrix.py): "
        + ", ".join(f"{method} /{route}" for route, method in missing)
    )
    assert not stale, "matrix entries for routes that no longer exist: " + ", ".join(
        f"{method} /{route}" for route, method in stale
    )


def test_a_route_without_an_entry_is_named(monkeypatch):
    api = dict(m.API)
    del api["api/v1/me/parents"]
    monkeypatch.setattr(m, "API", api)
    with pytest.raises(AssertionError, match=r"GET /api/v1/me/parents"):
        test_every_route_has_an_entry()


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    api: APIClient
    personas: dict[str, Persona] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)
    counter: int = 0

    def uid(self, persona: str) -> str:
        return self.personas[persona].uid

    def email(self, persona: str) -> str:
        return self.personas[persona].email

    def serial(self) -> int:
        self.counter += 1
        return self.counter

    def next_slot(self) -> str:
        """A start time no other lesson of the world's teacher uses (30-minute lessons, an hour apart)."""
        return m.iso_in(days=20, hours=self.serial())

    def make_persona(self, role: str, name: str) -> Persona:
        from authentication import identity, services
        from firestore_operations import users as user_store

        email = f"{name.lower().replace(' ', '.')}.{self.serial()}@example.com"
        if role == "admin":
            profile = services.create_admin(email=email, password=PASSWORD, display_name=name)
        else:
            profile = services.register_user(email=email, password=PASSWORD, display_name=name, role=role)
        identity.mark_email_verified(profile["id"])
        user_store.update_profile(profile["id"], {"email_verified": True})
        token = emulators.sign_in(email, PASSWORD)["idToken"]
        return Persona(uid=profile["id"], email=email, password=PASSWORD, role=role, name=name, token=token)

    def send(self, persona: str, method: str, path: str, expect: int = 201, **kwargs) -> dict:
        """A seeding call through the API; fails loudly when the world cannot be built."""
        response = call(self.api, method, path, self.personas[persona], **kwargs)
        assert response.status_code == expect, (method, path, response.status_code, response.content[:400])
        return response.json() if response.content else {}

    # --- throwaway objects (Rule.fresh): each returns the path parameters to use ---

    def fresh_student_account(self) -> dict:
        return {"uid": self.make_persona("student", "Spare Student").uid}

    def fresh_course(self) -> dict:
        return {"course_id": self.send(m.OWNER, "post", "/api/v1/courses", data=m.course_body(self, m.OWNER))["id"]}

    def fresh_enrolled_course(self) -> dict:
        body = {**m.course_body(self, m.OWNER), "status": "published"}
        course_id = self.send(m.OWNER, "post", "/api/v1/courses", data=body)["id"]
        self.send(m.STUDENT, "post", f"/api/v1/courses/{course_id}/enrollment", data={})
        return {"course_id": course_id}

    def fresh_lesson(self) -> dict:
        path = f"/api/v1/courses/{self.ids['course_id']}/lessons"
        return {"lesson_id": self.send(m.OWNER, "post", path, data=m.lesson_body(self, m.OWNER))["id"]}

    def fresh_material(self) -> dict:
        path = f"/api/v1/courses/{self.ids['course_id']}/materials"
        return {
            "material_id": self.send(m.OWNER, "post", path, data=m.material_form(self, m.OWNER), format="multipart")[
                "id"
            ]
        }

    def fresh_group_room(self) -> dict:
        body = {"name": "Spare group", "member_uids": [self.uid(m.STUDENT)]}
        return {
            "room_id": self.send(m.OWNER, "post", "/api/v1/chat/rooms", data=body)["id"],
            "uid": self.uid(m.STUDENT),
        }

    def fresh_message(self) -> dict:
        path = f"/api/v1/chat/rooms/{self.ids['room_id']}/messages"
        return {"message_id": self.send(m.OWNER, "post", path, data={"content": "Spare message"})["id"]}

    def fresh_pending_post(self) -> dict:
        body = {"title": f"Spare post {self.serial()}", "body_md": "Text.", "status": "pending", "tags": ["matrix"]}
        post = self.send(m.OWNER, "post", "/api/v1/content/posts", data=body)
        return {"item_id": post["id"], "number": 1, "slug": post["slug"]}

    def fresh_post(self) -> dict:
        ids = self.fresh_pending_post()
        self.send(m.ADMIN, "post", f"/api/v1/content/posts/{ids['item_id']}/approve", expect=200, data={})
        return ids

    def fresh_page(self) -> dict:
        body = {"title": f"Spare page {self.serial()}", "status": "published"}
        page = self.send(m.ADMIN, "post", "/api/v1/content/pages", data=body)
        return {"item_id": page["id"], "slug": page["slug"]}

    def fresh_faq(self) -> dict:
        body = {"title": f"Spare question {self.serial()}?", "status": "published"}
        return {"item_id": self.send(m.ADMIN, "post", "/api/v1/content/faqs", data=body)["id"]}

    def fresh_section(self) -> dict:
        path = f"/api/v1/content/courses/{self.ids['course_id']}/sections"
        return {
            "item_id": self.send(m.OWNER, "post", path, data={"title": "Spare section", "status": "published"})["id"]
        }


def build_world() -> World:
    from firestore_operations import users

    world = World(api=APIClient())
    names = {
        m.STUDENT: "Sam Student",
        m.TEACHER: "Tess Teacher",
        m.OWNER: "Ada Owner",
        m.OTHER_TEACHER: "Grace Other",
        m.PARENT: "Pat Parent",
        m.UNLINKED_PARENT: "Uma Unlinked",
        m.ADMIN: "Alex Admin",
    }
    for persona, name in names.items():
        world.personas[persona] = world.make_persona(ROLE_OF[persona], name)
    spare_child = world.make_persona("student", "Spare Child")
    spare_parent = world.make_persona("parent", "Spare Parent")
    spare_child_page = world.make_persona("student", "Spare Child")
    spare_parent_page = world.make_persona("parent", "Spare Parent")
    users.link_parent_and_child(world.uid(m.PARENT), world.uid(m.STUDENT))
    for child in (spare_child, spare_child_page):
        users.link_parent_and_child(world.uid(m.PARENT), child.uid)
    for parent in (spare_parent, spare_parent_page):
        users.link_parent_and_child(parent.uid, world.uid(m.STUDENT))

    course = {"title": "Algebra", "subject": "Maths", "level": "beginner", "language": "en", "status": "published"}
    course_id = world.send(m.OWNER, "post", "/api/v1/courses", data=course)["id"]
    other_course = world.send(m.OTHER_TEACHER, "post", "/api/v1/courses", data={**course, "title": "Geometry"})["id"]
    for cid in (course_id, other_course):
        world.send(m.STUDENT, "post", f"/api/v1/courses/{cid}/enrollment", data={})
    lesson_id = world.send(m.OWNER, "post", f"/api/v1/courses/{course_id}/lessons", data=m.lesson_body(world, m.OWNER))[
        "id"
    ]
    material = world.send(
        m.OWNER,
        "post",
        f"/api/v1/courses/{course_id}/materials",
        data=m.material_form(world, m.OWNER),
        format="multipart",
    )
    world.send(
        m.OWNER,
        "post",
        f"/api/v1/courses/{course_id}/cover",
        expect=200,
        data=m.photo_form("cover")(world, m.OWNER),
        format="multipart",
    )
    world.send(
        m.STUDENT,
        "post",
        "/api/v1/me/photo",
        expect=200,
        data=m.photo_form("photo")(world, m.STUDENT),
        format="multipart",
    )
    world.send(m.STUDENT, "post", f"/api/v1/courses/{course_id}/feedback", data={"rating": 5, "comment": "Great."})
    reply = {"reply": "Thank you!"}
    world.send(
        m.OWNER, "post", f"/api/v1/courses/{course_id}/feedback/{world.uid(m.STUDENT)}/reply", expect=200, data=reply
    )
    world.send(m.ADMIN, "put", "/api/v1/admin/membership-plan", expect=200, data=m.PLAN)
    room_id = world.send(
        m.OWNER, "post", "/api/v1/chat/rooms", data={"name": "Study group", "member_uids": [world.uid(m.STUDENT)]}
    )["id"]
    message_id = world.send(m.OWNER, "post", f"/api/v1/chat/rooms/{room_id}/messages", data={"content": "Welcome"})[
        "id"
    ]
    token = "matrix-owner-device-token-0001"
    world.send(m.OWNER, "post", "/api/v1/me/devices", data={"token": token, "platform": "web"})
    notifications = world.send(m.OWNER, "get", "/api/v1/notifications", expect=200)["items"]
    assert notifications, "the enrolments should have notified the owner"

    world.ids.update(
        course_id=course_id,
        other_course_id=other_course,
        lesson_id=lesson_id,
        material_id=material["id"],
        room_id=room_id,
        message_id=message_id,
        token=token,
        notification_id=notifications[0]["id"],
        uid=world.uid(m.STUDENT),
        student_uid=world.uid(m.STUDENT),
        recipient_uid=world.uid(m.STUDENT),
        owner_uid=world.uid(m.OWNER),
        spare_child=spare_child.uid,
        spare_parent=spare_parent.uid,
        spare_child_page=spare_child_page.uid,
        spare_parent_page=spare_parent_page.uid,
        tag="matrix",
        kind_path="posts",
        payment_id="no-such-payment",
        invoice_id="no-such-invoice",
        task_id="no-such-task",
        number=1,
    )
    post = world.fresh_post()
    world.ids.update(post_id=post["item_id"], post_slug=post["slug"])
    world.send(
        m.OWNER,
        "post",
        f"/api/v1/content/posts/{world.ids['post_id']}/cover",
        expect=200,
        data=m.photo_form("cover")(world, m.OWNER),
        format="multipart",
    )
    page = world.fresh_page()
    world.ids.update(page_id=page["item_id"], page_slug=page["slug"])
    world.ids["faq_id"] = world.fresh_faq()["item_id"]
    world.ids["section_id"] = world.fresh_section()["item_id"]
    return world


@pytest.fixture
def clean_state():
    """Replaces conftest's per-test wipe: the module shares one world (the `world` fixture wipes once)."""
    cache.clear()
    return


@pytest.fixture(scope="module")
def world():
    emulators.clear_firestore()
    emulators.clear_auth()
    cache.clear()
    with override_settings(TASKS_INLINE=True):
        return build_world()


# --- asking ----------------------------------------------------------------------------------------


def is_page(route: str) -> bool:
    return route not in m.API


def fill(route: str, values: dict) -> str:
    return "/" + PARAM.sub(lambda match: str(values[match.group(1)]), route)


def path_values(world: World, rule: m.Rule) -> dict:
    values = dict(world.ids)
    for param, key in rule.at.items():
        values[param] = world.ids[key]
    return values


def actor_for(world: World, persona: str, rule: m.Rule) -> Persona | None:
    if persona == m.ANONYMOUS:
        return None
    if rule.throwaway_actor:
        return world.make_persona(ROLE_OF[persona], f"Throwaway {persona.replace('_', ' ').title()}")
    return world.personas[persona]


def ask(world: World, route: str, method: str, persona: str, rule: m.Rule):
    values = path_values(world, rule)
    if rule.fresh and persona in rule.admitted():
        values.update(getattr(world, f"fresh_{rule.fresh}")())
    path = fill(route, values)
    query = rule.query(world, persona) if callable(rule.query) else rule.query
    if query:
        path = f"{path}?{query}"
    body = rule.body(world, persona) if callable(rule.body) else rule.body
    actor = actor_for(world, persona, rule)
    if is_page(route):
        from authentication import identity

        client = Client()
        if actor is not None:
            client.cookies["session"] = identity.create_session_cookie(actor.token)
        kwargs = {"data": body} if body is not None else {}
        return getattr(client, method.lower())(path, **kwargs, **rule.headers)
    kwargs = {**rule.headers, **(actor.auth if actor else {})}
    if body is not None:
        kwargs.update(data=body, format="multipart" if rule.multipart else "json")
    return getattr(APIClient(), method.lower())(path, **kwargs)


def flash_message(response) -> str | None:
    from django.core import signing

    from cplatform.pages import FLASH_COOKIE, FLASH_SALT

    cookie = response.cookies.get(FLASH_COOKIE)
    return signing.loads(cookie.value, salt=FLASH_SALT) if cookie is not None and cookie.value else None


def excerpt(response) -> str:
    """What the answer said: the JSON error, or the text of a page's <main> without its tags."""
    content = getattr(response, "content", b"").decode(errors="replace")
    main = re.search(r"<main.*?</main>", content, re.S)
    if main:
        content = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(0)))
    return content.strip()[:300]


def verdict(route: str, rule: m.Rule, want, response) -> str | None:
    """Why the answer is wrong, or None."""
    status = response.status_code
    location = response.get("Location", "") if status in (301, 302, 303, 307, 308) else ""
    to_login = location.startswith("/auth/login/")
    if want is m.OK:
        if status >= 400:
            return f"admitted, but got {status}"
        if to_login and route not in ("auth/logout/",):
            return f"admitted, but sent to log in ({location})"
        return None
    if isinstance(want, m.Flash):
        message = flash_message(response)
        if status == 302 and message is not None and want.text.lower() in message.lower():
            return None
        return f"expected a redirect with a message about {want.text!r}, got {status} {location} {message!r}"
    if want == m.LOGIN:
        if is_page(route):
            return None if status == 302 and to_login else f"expected a redirect to log in, got {status} {location}"
        return None if status == 401 else f"expected 401, got {status}"
    return None if status == want else f"expected {want}, got {status}"


CASES = [(route, method) for route, methods in table().items() for method in methods]


@pytest.mark.parametrize(("route", "method"), CASES, ids=[f"{method} /{route}" for route, method in CASES])
def test_matrix(world, route, method):
    rule = table()[route][method]
    admitted = rule.admitted()
    # Refusals first: an admitted request may change what the world looks like.
    order = [p for p in m.PERSONAS if p not in admitted] + [p for p in m.PERSONAS if p in admitted]
    failures = []
    for persona in order:
        want = rule.expected[persona]
        response = ask(world, route, method, persona, rule)
        problem = verdict(route, rule, want, response)
        if problem:
            failures.append(f"{persona}: {problem} {excerpt(response)!r}")
    assert not failures, f"{method} /{route}:\n  " + "\n  ".join(failures)
