"""Accounts: registration, sign-in/out, profiles, photos, availability, parent links, user search.

Every function takes the acting user explicitly and raises cplatform.errors on refusal.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import time
from collections import Counter
from math import ceil

from django.conf import settings
from django.core.cache import cache

from authentication import events, identity
from authentication.access import MAX_CHILDREN, access_profile, children_of, get_profile_or_404
from cplatform import background, errors, images, rate_limit, text
from cplatform.actor import ADMIN, ALL_ROLES, PARENT, STUDENT, TEACHER, Actor
from firestore_operations import enrollments as enrollment_store
from firestore_operations import errors as data_errors
from firestore_operations import parent_links as link_store
from firestore_operations import storage
from firestore_operations import users as user_store
from firestore_operations.pagination import Page
from middlewares.roles import ADMINS, PARENTS, STUDENTS, TEACHERS, TEACHERS_AND_ADMINS, check_roles

logger = logging.getLogger(__name__)

LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed by hand
LINK_CODE_LENGTH = 8
LINK_CODE_TTL = dt.timedelta(hours=24)
ROLE_PARTS = {TEACHER: "teacher", STUDENT: "student", PARENT: "parent"}


# --- shapes ------------------------------------------------------------------------------------


def _role_part_defaults(role: str) -> dict:
    if role == TEACHER:
        return {
            "teacher": {
                "subjects": [],
                "hourly_rate": None,
                "teaching_preferences": {"levels": [], "languages": [], "formats": []},
                "availability": [],
            }
        }
    if role == STUDENT:
        return {"student": {"grade_level": "", "interests": [], "learning_goals": "", "parents": []}}
    if role == PARENT:
        return {"parent": {"children": []}}
    return {}


def _email_tokens(email: str) -> list[str]:
    """`ada@`, `ada@e`, ... `ada@example.com`: an address typed whole or in part finds its account."""
    local_part, _, domain = email.lower().partition("@")
    return [f"{local_part}@{domain[:end]}" for end in range(len(domain) + 1)]


def _search_fields(display_name: str, email: str, subjects: list[str]) -> dict:
    local_part = email.split("@", 1)[0]
    return {
        "search_tokens": [*text.prefix_tokens(display_name, local_part), *_email_tokens(email)],
        "name_tokens": text.prefix_tokens(display_name),
        "sort_name": text.fold(display_name).strip(),
        "subjects_lower": [text.fold(subject).strip() for subject in subjects],
    }


def photo_url(profile: dict) -> str | None:
    if profile.get("photo_path"):
        return f"/api/v1/users/{profile['id']}/photo?v={profile.get('photo_version', 0)}"
    return profile.get("external_photo_url") or None


# --- access ------------------------------------------------------------------------------------


# --- registration and sign-in ---------------------------------------------------------------


def _create_account_with_profile(*, email: str, password: str, display_name: str, role: str) -> dict:
    email = email.strip().lower()
    uid = identity.create_account(email=email, password=password, display_name=display_name, role=role)
    profile = {
        "uid": uid,
        "email": email,
        "display_name": display_name,
        "role": role,
        "bio": "",
        "phone": "",
        "timezone": "UTC",
        "locale": "en",
        "photo_path": None,
        "photo_version": 0,
        "external_photo_url": None,
        "disabled": False,
        "email_verified": False,
        **_role_part_defaults(role),
        **_search_fields(display_name, email, []),
    }
    try:
        user_store.create_profile(uid, profile)
    except Exception:
        # No half-made account: without its profile the Auth user is useless.
        identity.delete_account(uid)
        raise
    return get_profile_or_404(uid)


def register_user(*, email: str, password: str, display_name: str, role: str) -> dict:
    """Create the Firebase account, its role claim and its profile. Raises Conflict, ValidationError."""
    if role == ADMIN:
        raise errors.PermissionDenied("Admin accounts cannot be self-registered.", fields={"role": ["Not allowed."]})
    return _create_account_with_profile(email=email, password=password, display_name=display_name, role=role)


def register_from(*, client_ip: str, email: str, password: str, display_name: str, role: str) -> dict:
    """Self-registration through the API or the sign-up page, counted per client address.

    Raises RateLimited (REGISTRATION_LIMIT), Conflict, ValidationError, PermissionDenied.
    """
    rate_limit.consume(
        "register",
        client_ip,
        limit=settings.REGISTRATION_LIMIT,
        window=settings.REGISTRATION_WINDOW_SECONDS,
        message="Too many accounts were created from your network recently; try again later.",
    )
    return register_user(email=email, password=password, display_name=display_name, role=role)


def create_admin(*, email: str, password: str, display_name: str) -> dict:
    """Create an admin account (create_admin command, demo data). Raises Conflict, ValidationError."""
    return _create_account_with_profile(email=email, password=password, display_name=display_name, role=ADMIN)


def _check_account_delay(email: str) -> None:
    """After many failures on one account (from anywhere), each attempt waits a doubling delay, capped
    at LOGIN_ACCOUNT_DELAY_MAX_SECONDS: slow for a guesser, never a lock on the owner. Raises RateLimited."""
    state = cache.get(f"login-account:{email}") or {"failures": 0, "last": 0.0}
    over = state["failures"] - settings.LOGIN_ACCOUNT_FAILURES_BEFORE_DELAY
    if over < 0:
        return
    delay = min(2**over, settings.LOGIN_ACCOUNT_DELAY_MAX_SECONDS)
    wait = state["last"] + delay - time.time()
    if wait > 0:
        raise errors.RateLimited(
            "Many failed sign-ins on this account; wait a few seconds before trying again.", retry_after=ceil(wait)
        )


def _record_account_failure(email: str) -> None:
    key = f"login-account:{email}"
    state = cache.get(key) or {"failures": 0, "last": 0.0}
    cache.set(key, {"failures": state["failures"] + 1, "last": time.time()}, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def sign_in(*, email: str, password: str, client_ip: str) -> dict:
    """Tokens and profile for an email/password pair. Raises Unauthenticated, RateLimited.

    Attempts are counted before they are made (an atomic increment), so a parallel burst cannot slip
    past the limit: LOGIN_FAILURE_LIMIT per account and address, LOGIN_ADDRESS_LIMIT per address,
    and a progressive, capped delay per account from all addresses.
    """
    email = email.strip().lower()
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    message = "Too many failed sign-in attempts; wait a while before trying again."
    pair = f"{email}|{client_ip}"
    rate_limit.consume("login-address", client_ip, limit=settings.LOGIN_ADDRESS_LIMIT, window=window, message=message)
    rate_limit.consume("login-pair", pair, limit=settings.LOGIN_FAILURE_LIMIT, window=window, message=message)
    _check_account_delay(email)
    try:
        tokens = identity.sign_in_with_password(email, password)
    except identity.InvalidCredentials as exc:
        _record_account_failure(email)
        raise errors.Unauthenticated("Wrong email or password.", code="invalid_credentials") from exc
    rate_limit.reset("login-pair", pair, window)
    profile = user_store.get_profile(tokens["uid"])
    if profile is None:
        raise errors.Unauthenticated("This account has no profile; contact an admin.", code="no_profile")
    events.publish(events.user_signed_in, uid=tokens["uid"], role=profile.get("role"))
    return {**tokens, "user": profile}


def start_web_session(*, email: str, password: str, client_ip: str) -> tuple[str, dict]:
    """Sign in and mint a Firebase session cookie for the web pages. Raises as sign_in."""
    result = sign_in(email=email, password=password, client_ip=client_ip)
    return identity.create_session_cookie(result["id_token"]), result["user"]


def sign_out(*, actor: Actor) -> None:
    """Revoke every refresh token of the actor: their ID tokens and session cookies stop working."""
    identity.revoke_sessions(actor.uid, credential=actor.credential)


# --- email verification ---------------------------------------------------------------------------


def send_email_verification(*, actor: Actor, continue_url: str) -> None:
    """Email the actor a Firebase verification link for her address. Raises Conflict (already
    verified), RateLimited."""
    profile = get_my_profile(actor=actor)
    if sync_email_verified(actor=actor)["email_verified"]:
        raise errors.Conflict("Your email address is already verified.", code="already_verified")
    rate_limit.consume(
        "email-verification",
        actor.uid,
        limit=5,
        window=3600,
        message="A verification email was sent several times already; check your inbox and spam folder.",
    )
    link = identity.email_verification_link(profile["email"], continue_url=continue_url)
    # Recorded in the outbox and sent by the worker: the request does not wait for SMTP, and a mail
    # server that is down delays the email instead of losing it.
    background.enqueue(
        "email.send",
        {
            "to": [profile["email"]],
            "subject": "Confirm your email address",
            "body": f"Hello {profile.get('display_name') or ''},\n\nOpen this link to confirm your address:\n{link}\n\n"
            "Until you do, the platform sends you no email.",
        },
    )


def sync_email_verified(*, actor: Actor) -> dict:
    """The profile, with `email_verified` brought in line with Firebase Auth (one Auth read)."""
    profile = get_my_profile(actor=actor)
    verified = identity.is_email_verified(actor.uid)
    if verified != bool(profile.get("email_verified")):
        user_store.update_profile(actor.uid, {"email_verified": verified})
        profile = {**profile, "email_verified": verified}
    return profile


# --- my profile --------------------------------------------------------------------------------


def get_my_profile(*, actor: Actor) -> dict:
    """Raises NotFound when the account has no profile document."""
    return get_profile_or_404(actor.uid)


def _flatten_changes(prefix: str, value: dict) -> dict:
    # Preferences merge key by key (a PATCH of `levels` keeps `languages`); a price or a slot list is
    # only ever replaced whole.
    flat = {}
    for key, item in value.items():
        if key == "teaching_preferences":
            flat.update(_flatten_changes(f"{prefix}.{key}", item))
        else:
            flat[f"{prefix}.{key}"] = item
    return flat


def update_my_profile(*, actor: Actor, changes: dict) -> dict:
    """Apply validated changes to the actor's profile. Raises NotFound, ValidationError."""
    profile = get_my_profile(actor=actor)
    role_part = ROLE_PARTS.get(profile["role"])
    updates: dict = {}
    for key in ("display_name", "bio", "phone", "timezone", "locale"):
        if key in changes:
            updates[key] = changes[key]
    # A photo comes from our own storage only (uploaded through /me/photo): a link to another site
    # could track whoever views the profile. The current value sent back unchanged is ignored (a
    # client that PUTs back what it read); null removes the photo.
    if "photo_url" in changes and changes["photo_url"] is not None and changes["photo_url"] != photo_url(profile):
        raise errors.ValidationError(
            "photo_url: Upload a photo instead; links to other sites are not accepted.",
            fields={"photo_url": ["Upload a photo (JPEG, PNG or WebP) instead of linking one."]},
        )
    if "photo_url" in changes and changes["photo_url"] is None:
        updates["external_photo_url"] = None
        if profile.get("photo_path"):
            storage.delete_blob(profile["photo_path"])
            updates["photo_path"] = None
    for part in ("teacher", "student", "parent"):
        if part in changes and part != role_part:
            raise errors.ValidationError(
                f"'{part}' details belong to {part} accounts; yours is a {profile['role']} account.",
                fields={part: ["Not your role."]},
            )
    if role_part and role_part in changes:
        part_changes = dict(changes[role_part])
        if "availability" in part_changes:
            part_changes["availability"] = validate_slots(part_changes["availability"])
        updates.update(_flatten_changes(role_part, part_changes))
    display_name = updates.get("display_name", profile["display_name"])
    subjects = (
        updates.get("teacher.subjects", (profile.get("teacher") or {}).get("subjects", []))
        if profile["role"] == TEACHER
        else []
    )
    if "display_name" in updates or "teacher.subjects" in updates:
        updates.update(_search_fields(display_name, profile["email"], subjects))
    if updates:
        user_store.update_profile(actor.uid, updates)
    updated = get_profile_or_404(actor.uid)
    if "display_name" in updates and display_name != profile["display_name"]:
        events.publish(events.profile_renamed, uid=actor.uid, display_name=display_name, role=profile["role"])
    return updated


def _parse_minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def validate_slots(slots: list[dict]) -> list[dict]:
    """Weekly slots sorted, start < end, no overlaps on a weekday. Raises ValidationError."""
    cleaned = sorted(
        ({"weekday": int(s["weekday"]), "start": s["start"], "end": s["end"]} for s in slots),
        key=lambda s: (s["weekday"], s["start"]),
    )
    problems = []
    for index, slot in enumerate(cleaned):
        if _parse_minutes(slot["start"]) >= _parse_minutes(slot["end"]):
            problems.append(f"Slot {slot['start']}-{slot['end']} on weekday {slot['weekday']} ends before it starts.")
        if index and cleaned[index - 1]["weekday"] == slot["weekday"]:
            previous = cleaned[index - 1]
            if _parse_minutes(slot["start"]) < _parse_minutes(previous["end"]):
                problems.append(
                    f"Slots {previous['start']}-{previous['end']} and {slot['start']}-{slot['end']} "
                    f"overlap on weekday {slot['weekday']}."
                )
    if problems:
        raise errors.ValidationError(problems[0], fields={"slots": problems})
    return cleaned


def set_my_availability(*, actor: Actor, slots: list[dict], timezone: str | None = None) -> dict:
    """Replace the teacher's weekly availability. Raises ValidationError."""
    check_roles(actor, TEACHERS)
    cleaned = validate_slots(slots)
    updates: dict = {"teacher.availability": cleaned}
    if timezone:
        updates["timezone"] = timezone
    user_store.update_profile(actor.uid, updates)
    return get_teacher_availability(actor=actor, uid=actor.uid)


def get_teacher_availability(*, actor: Actor, uid: str) -> dict:
    """A teacher's weekly slots and timezone. Raises NotFound when uid is not a teacher."""
    profile = user_store.get_profile(uid)
    if profile is None or profile.get("role") != TEACHER or profile.get("disabled"):
        raise errors.NotFound("No such teacher.")
    return {
        "teacher_uid": uid,
        "timezone": profile.get("timezone", "UTC"),
        "slots": (profile.get("teacher") or {}).get("availability", []),
    }


# --- photos ------------------------------------------------------------------------------------


def set_my_photo(*, actor: Actor, upload) -> dict:
    """Store a checked, shrunk profile photo. Raises RateLimited, PayloadTooLarge, UnsupportedMediaType."""
    rate_limit.consume_upload(actor.uid)
    data, content_type = images.normalize_image(
        upload, max_bytes=settings.PROFILE_PHOTO_MAX_BYTES, max_side=settings.PROFILE_PHOTO_MAX_SIDE, field="photo"
    )
    profile = get_my_profile(actor=actor)
    path = f"users/{actor.uid}/photo"
    storage.upload_bytes(path, data, content_type)
    user_store.update_profile(
        actor.uid,
        {
            "photo_path": path,
            "photo_type": content_type,
            "photo_version": int(profile.get("photo_version", 0)) + 1,
            "external_photo_url": None,
        },
    )
    return get_profile_or_404(actor.uid)


def get_user_photo(*, actor: Actor, uid: str) -> tuple[bytes, str]:
    """The photo bytes and type, for whoever may see the profile (visitors: teachers' photos only, which
    their public pages show). Raises NotFound, PermissionDenied, Unauthenticated."""
    try:
        profile, _scope = access_profile(actor, uid)
    except errors.PermissionDenied:
        if not actor.uid:
            raise errors.Unauthenticated("Sign in to see this photo.") from None
        raise
    path = profile.get("photo_path")
    data = storage.read_bytes(path) if path else None
    if data is None:
        raise errors.NotFound("This user has no photo.")
    return data, profile.get("photo_type") or "image/jpeg"


# --- account deletion --------------------------------------------------------------------------


def delete_my_account(*, actor: Actor) -> None:
    """Delete the Firebase account and personal data (profile, photo, parent links).

    Needs a sign-in within RECENT_SIGN_IN_SECONDS: a token or session left open on a shared computer
    must not be enough to erase an account. Raises PermissionDenied (recent_sign_in_required).
    """
    if time.time() - actor.auth_time >= settings.RECENT_SIGN_IN_SECONDS:
        raise errors.PermissionDenied(
            "For your safety, sign in again (enter your password) and then delete your account.",
            code="recent_sign_in_required",
        )
    _erase_account(actor.uid, user_store.get_profile(actor.uid), credential=actor.credential)


def _erase_account(uid: str, profile: dict | None, *, credential: str | None = None) -> None:
    """Sessions, parent links, link codes, photo, profile (other apps react to account_deleted), Auth account."""
    identity.revoke_sessions(uid, credential=credential)
    if profile:
        for child_uid in children_of(profile):
            user_store.unlink_parent_and_child(uid, child_uid)
        for parent_uid in (profile.get("student") or {}).get("parents", []):
            user_store.unlink_parent_and_child(parent_uid, uid)
        if profile.get("role") == STUDENT:
            link_store.delete_codes_of_student(uid)
        if profile.get("photo_path"):
            storage.delete_blob(profile["photo_path"])
        events.publish(events.account_deleted, uid=uid, role=profile.get("role"))
        user_store.delete_profile(uid)
    identity.delete_account(uid)


# --- parent links ------------------------------------------------------------------------------


def create_parent_link_code(*, actor: Actor) -> dict:
    """A one-time code the student gives a parent; valid for 24 hours."""
    check_roles(actor, STUDENTS)
    expires_at = dt.datetime.now(dt.UTC) + LINK_CODE_TTL
    for _ in range(5):
        code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
        if link_store.create_code(code, student_uid=actor.uid, expires_at=expires_at):
            return {"code": code, "expires_at": expires_at}
    raise errors.ServiceUnavailable("Could not draw a free code; please retry.")


def redeem_parent_link_code(*, actor: Actor, code: str) -> dict:
    """Link the parent to the code's student. Raises NotFound, Conflict, RateLimited."""
    check_roles(actor, PARENTS)
    rate_limit.ensure_below(
        "link-code", [actor.uid], limit=10, window=3600, message="Too many wrong codes; try again in an hour."
    )
    outcome, child_uid = link_store.redeem_code(
        code.strip().upper(), parent_uid=actor.uid, now=dt.datetime.now(dt.UTC), max_children=MAX_CHILDREN
    )
    if outcome in (link_store.RedeemOutcome.UNKNOWN, link_store.RedeemOutcome.EXPIRED):
        rate_limit.hit("link-code", actor.uid, 3600)
        message = (
            "This code has expired; ask for a new one."
            if outcome is link_store.RedeemOutcome.EXPIRED
            else "No such code."
        )
        raise errors.NotFound(message, code="invalid_code", fields={"code": [message]})
    if outcome == link_store.RedeemOutcome.ALREADY_LINKED:
        raise errors.Conflict("You are already linked to this student.", code="already_linked")
    if outcome == link_store.RedeemOutcome.TOO_MANY:
        raise errors.Conflict(f"A parent can link at most {MAX_CHILDREN} children.", code="too_many_children")
    return get_profile_or_404(child_uid)


def list_my_children(*, actor: Actor) -> list[dict]:
    """The parent's linked children's profiles, in one batched lookup."""
    parent = get_my_profile(actor=actor)
    found = user_store.get_profiles(children_of(parent))
    return [found[uid] for uid in children_of(parent) if uid in found]


def list_my_parents(*, actor: Actor) -> list[dict]:
    student = get_my_profile(actor=actor)
    parents = (student.get("student") or {}).get("parents", [])
    found = user_store.get_profiles(parents)
    return [found[uid] for uid in parents if uid in found]


def unlink_child(*, actor: Actor, child_uid: str) -> None:
    """Parent side of unlinking. Raises NotFound when not linked."""
    if child_uid not in children_of(get_my_profile(actor=actor)):
        raise errors.NotFound("This student is not linked to you.")
    user_store.unlink_parent_and_child(actor.uid, child_uid)


def unlink_parent(*, actor: Actor, parent_uid: str) -> None:
    """Student side of unlinking. Raises NotFound when not linked."""
    student = get_my_profile(actor=actor)
    if parent_uid not in (student.get("student") or {}).get("parents", []):
        raise errors.NotFound("This parent is not linked to you.")
    user_store.unlink_parent_and_child(parent_uid, actor.uid)


# --- search ------------------------------------------------------------------------------------


def _search(
    *,
    q: str,
    role: str | None,
    subject: str | None,
    disabled: bool | None,
    limit: int,
    cursor: str | None,
    hide_disabled: bool,
    with_email: bool,
    admit=None,
) -> Page:
    # Words of a name are split and folded; an email address is matched as typed (lowercased), and
    # only when the searcher may see emails.
    emails = [part.lower() for part in q.split() if "@" in part] if with_email else []
    terms = [*emails, *text.query_terms(" ".join(part for part in q.split() if "@" not in part))]
    if q and not terms:
        message = "Type at least one letter or digit to search." if with_email else "Search by name."
        raise errors.ValidationError(message, fields={"q": ["No words."]})
    subject_key = text.fold(subject).strip() if subject else None
    token_field = "search_tokens" if with_email else "name_tokens"
    # Firestore takes one array-contains per query: the longest term goes to the query, the other
    # terms (and the subject, when there is a term) are checked on the returned rows.
    primary = max(terms, key=len) if terms else None
    others = [term for term in terms if term != primary]

    def keep(row: dict) -> bool:
        tokens = set(row.get(token_field, []))
        if any(term not in tokens for term in others):
            return False
        if primary and subject_key and subject_key not in row.get("subjects_lower", []):
            return False
        if admit is not None and not admit(row):
            return False
        return not (hide_disabled and row.get("disabled"))

    return user_store.search_profiles(
        token=primary,
        subject=subject_key,
        role=role,
        disabled=disabled,
        limit=limit,
        cursor=cursor,
        keep=keep,
        with_email=with_email,
    )


def search_users(
    *, actor: Actor, q: str, role: str | None, subject: str | None, limit: int, cursor: str | None
) -> Page:
    """Find people by name, role and subject. Raises PermissionDenied, ValidationError, RateLimited.

    Admins find anyone, by email too. Teachers find other teachers and their own students (those
    who are or were enrolled in their courses), by name only: the directory is no list of every
    student, and no search can be used to guess a hidden email address.
    """
    check_roles(actor, TEACHERS_AND_ADMINS)
    rate_limit.consume(
        "user-search",
        actor.uid,
        limit=settings.USER_SEARCH_LIMIT,
        window=60,
        message=f"At most {settings.USER_SEARCH_LIMIT} searches a minute; wait a moment.",
    )
    if actor.role == ADMIN:
        return _search(
            q=q,
            role=role,
            subject=subject,
            disabled=None,
            limit=limit,
            cursor=cursor,
            hide_disabled=True,
            with_email=True,
        )
    if role not in (None, TEACHER, STUDENT):
        raise errors.PermissionDenied("Teachers search teachers and their own students.", code="wrong_role")
    own_students = enrollment_store.student_uids_of_teacher(actor.uid) if role != TEACHER else set()

    def admit(row: dict) -> bool:
        return row.get("role") == TEACHER or row["id"] in own_students

    return _search(
        q=q,
        role=role,
        subject=subject,
        disabled=None,
        limit=limit,
        cursor=cursor,
        hide_disabled=True,
        with_email=False,
        admit=admit,
    )


def admin_list_users(
    *, actor: Actor, q: str, role: str | None, disabled: bool | None, limit: int, cursor: str | None
) -> Page:
    """Every account, disabled ones included, with filters. Raises ValidationError."""
    check_roles(actor, ADMINS)
    return _search(
        q=q,
        role=role,
        subject=None,
        disabled=disabled,
        limit=limit,
        cursor=cursor,
        hide_disabled=False,
        with_email=True,
    )


def admin_update_user(*, actor: Actor, uid: str, role: str | None = None, disabled: bool | None = None) -> dict:
    """Change a user's role and/or disabled flag; their sessions end at once. Raises NotFound, Conflict."""
    check_roles(actor, ADMINS)
    profile = get_profile_or_404(uid)
    if uid == actor.uid and (role not in (None, ADMIN) or disabled):
        raise errors.Conflict("You cannot demote or disable your own account.", code="self_lockout")
    updates: dict = {}
    if role is not None and role != profile["role"]:
        updates["role"] = role
        updates.update(_missing_role_parts(profile, role))
    if disabled is not None and disabled != bool(profile.get("disabled")):
        updates["disabled"] = disabled
    if updates:
        # Each fact is written first where it is decided (reconcile_accounts may run in between):
        # disabled in Auth, the role in the user document.
        if "disabled" in updates:
            identity.set_disabled(uid, disabled)
        try:
            user_store.update_profile(uid, updates)
        except data_errors.Missing as exc:
            raise errors.NotFound("No such user.") from exc
        if "role" in updates:
            _move_role_claim(uid, old_role=profile["role"], new_role=role)
        else:
            identity.revoke_sessions(uid)
    return get_profile_or_404(uid)


def _move_role_claim(uid: str, *, old_role: str | None, new_role: str) -> None:
    """Set the role claim to the role the user document now holds, end the sessions carrying the old
    one and tell the apps (a demoted teacher's courses are archived)."""
    identity.set_role(uid, new_role)
    # The old role lives on in the user's ID tokens until they refresh: end them now.
    identity.revoke_sessions(uid)
    events.publish(events.role_changed, uid=uid, old_role=old_role, new_role=new_role)


def _missing_role_parts(profile: dict, role: str) -> dict:
    """The role part (teacher/student/parent fields) a profile lacks for its new role, with defaults."""
    return {part: defaults for part, defaults in _role_part_defaults(role).items() if part not in profile}


def reconcile_accounts() -> dict:
    """Make Firebase Auth and the user documents agree after edits in the Firebase console; returns counts.

    Run by beat every ACCOUNT_RECONCILE_SECONDS (docs/security.md, "Console edits"). Auth decides
    whether an account is disabled (the console disables there); the user document decides the role
    (the console edits it there, and firestore.rules read it): the claim follows, old sessions end and
    role_changed is published as when an admin changes it here. An account deleted in Auth has its
    profile disabled (hidden, no mail); erasing its data stays an admin's decision.
    Raises what listing Auth or Firestore raises (nothing is changed for a listing cut short).
    """
    accounts = {account["uid"]: account for account in identity.list_accounts()}
    counts = Counter(checked=0, disabled=0, enabled=0, roles=0)
    for state in list(user_store.list_account_states()):
        counts["checked"] += 1
        _reconcile_account(state, accounts.get(state["uid"]), counts)
    return dict(counts)


def _reconcile_account(state: dict, account: dict | None, counts: Counter) -> None:
    uid, role = state["uid"], state["role"]
    disabled = account is None or account["disabled"]
    role_moved = account is not None and role in ALL_ROLES and role != account["role"]
    updates: dict = {}
    if disabled != state["disabled"]:
        updates["disabled"] = disabled
        counts["disabled" if disabled else "enabled"] += 1
    if role_moved:
        updates.update(_missing_role_parts(user_store.get_profile(uid) or {}, role))
        counts["roles"] += 1
    if updates:
        with contextlib.suppress(data_errors.Missing):  # deleted meanwhile: nothing left to keep right
            user_store.update_profile(uid, updates)
    if role_moved:
        logger.info("the role of %s follows its user document: %s -> %s", uid, account["role"], role)
        _move_role_claim(uid, old_role=account["role"], new_role=role)


def admin_delete_user(*, actor: Actor, uid: str) -> None:
    """Delete another user's account and personal data, as deleting one's own account does (their
    enrolments end, their teacher's courses are archived, they leave every chat room).

    Raises NotFound, Conflict (self_lockout: admins delete their own account from their profile).
    """
    check_roles(actor, ADMINS)
    if uid == actor.uid:
        raise errors.Conflict("You cannot delete your own account here; use your profile page.", code="self_lockout")
    profile = get_profile_or_404(uid)
    _erase_account(uid, profile)
