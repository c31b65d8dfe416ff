"""Accounts web pages: home, sign-up, login/logout, my profile (edit, photo, family), people search.

Thin like the API views: validate with the API's own input serializers, call the same services,
render. Failures come back as messages next to the fields (cplatform.pages.form_errors).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from authentication import serializers as s
from authentication import services
from authentication.api import client_ip
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, SELF_REGISTER_ROLES, STUDENT, TEACHER
from cplatform.pages import (
    FIX_FIELDS,
    LOGIN_URL,
    UPLOAD_FAILURES,
    FormErrors,
    flash,
    form_errors,
    page,
    parse_money,
    read_upload_page,
    render_form,
    safe_next,
    validate_form,
)
from middlewares.firebase_auth import actor_from_token
from middlewares.roles import PARENTS, PUBLIC, SIGNED_IN, STUDENTS, TEACHERS, TEACHERS_AND_ADMINS

PROFILE_URL = "/profile/"
ROLE_LABELS = {STUDENT: "Student", TEACHER: "Teacher", PARENT: "Parent", ADMIN: "Admin"}
ROLE_PITCHES = {
    STUDENT: "Join courses, follow your lessons and ask your teachers.",
    TEACHER: "Publish courses, schedule lessons and teach your students.",
    PARENT: "Follow your children's courses and progress.",
}
# Amounts are typed in major units (25.50) and stored in minor units (2550): two-decimal currencies only.
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "INR", "BRL")
LOCALES = ("en", "en-GB", "en-US", "fr", "de", "es", "it", "nl", "pt", "pt-BR", "pl", "sv")
LOCALE_LABELS = {
    "en": "English", "en-GB": "English (UK, 24-hour clock)", "en-US": "English (US, 12-hour clock)",
    "fr": "Français", "de": "Deutsch", "es": "Español", "it": "Italiano", "nl": "Nederlands",
    "pt": "Português", "pt-BR": "Português (Brasil)", "pl": "Polski", "sv": "Svenska",
}  # fmt: skip
LEVEL_LABELS = {level: level.capitalize() for level in s.LEVELS}
FORMAT_LABELS = {"online": "Online", "in_person": "In person", "one_to_one": "One to one", "group": "Groups"}
LANGUAGE_SUGGESTIONS = (
    "English", "French", "German", "Spanish", "Italian", "Portuguese", "Dutch", "Polish", "Swedish",
    "Arabic", "Chinese", "Hindi", "Japanese", "Russian", "Turkish", "Ukrainian",
)  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SLOTS_PER_DAY = 2
TIMEZONE_CHOICES = sorted(s.TIMEZONES)

REGISTER_FIELDS = ("email", "password", "display_name", "role")
LOGIN_FIELDS = ("email", "password")
PROFILE_FIELDS = (
    "display_name",
    "bio",
    "phone",
    "timezone",
    "locale",
    "subjects",
    "hourly_rate",
    "currency",
    "grade_level",
    "interests",
    "learning_goals",
    "languages",
)
# Multiple-choice fields of the profile form (checkboxes).
PROFILE_LISTS = ("levels", "formats")
# Where the API's nested error paths land on the flat profile form.
PROFILE_ALIASES = {
    "teacher.subjects": "subjects",
    "teacher.hourly_rate.currency": "currency",
    "teacher.hourly_rate": "hourly_rate",
    "student.grade_level": "grade_level",
    "student.interests": "interests",
    "student.learning_goals": "learning_goals",
    "teacher.teaching_preferences.languages": "languages",
    "teacher.teaching_preferences.levels": "levels",
    "teacher.teaching_preferences.formats": "formats",
}
SEARCH_FIELDS = ("q", "role", "subject")
SEARCH_PAGE_SIZE = 20


def initials(name: str) -> str:
    return "".join(word[0] for word in (name or "").split()[:2]).upper() or "?"


def _start_session(response, cookie: str):
    response.set_cookie(
        settings.SESSION_COOKIE_NAME,
        cookie,
        max_age=settings.SESSION_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


# --- home ----------------------------------------------------------------------------------------


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD"])
def home(request):
    if not request.actor:
        return render(request, "home.html", {"role_pitches": ROLE_PITCHES})
    try:
        me = services.get_my_profile(actor=request.actor)
    except errors.NotFound:
        me = None
    context = {"me": me, "role_label": ROLE_LABELS.get(request.actor.role, "")}
    return render(request, "home.html", context)


# --- sign-up, login, logout ------------------------------------------------------------------------


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD", "POST"])
def register(request):
    if request.method != "POST" and request.actor:
        return redirect("/")
    requested_role = request.GET.get("role", STUDENT)
    form = {
        "email": "",
        "display_name": "",
        "role": requested_role if requested_role in SELF_REGISTER_ROLES else STUDENT,
    }
    failure = FormErrors()
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in ("email", "display_name", "role")}
        try:
            data = validate_form(s.RegisterIn, request.POST)
            profile = services.register_from(client_ip=client_ip(request), **data)
        except errors.DomainError as exc:
            failure = form_errors(exc, field_names=REGISTER_FIELDS)
        else:
            return _sign_in_new_account(request, data, profile)
    context = {
        "form": form,
        "errors": failure,
        "roles": [(role, ROLE_LABELS[role], ROLE_PITCHES[role]) for role in SELF_REGISTER_ROLES],
    }
    return render_form(request, "auth/register.html", context, failure)


def _sign_in_new_account(request, data: dict, profile: dict):
    try:
        cookie, _ = services.start_web_session(
            email=data["email"], password=data["password"], client_ip=client_ip(request)
        )
    except errors.DomainError:
        # The account exists; only the automatic sign-in failed (Auth busy): let the person log in.
        response = redirect(f"{LOGIN_URL}?{urlencode({'email': data['email']})}")
        return flash(response, "Your account is ready. Log in to continue.")
    response = _start_session(redirect(PROFILE_URL), cookie)
    return flash(response, f"Welcome, {profile['display_name']}! Add a photo and a few words about yourself.")


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD", "POST"])
def login(request):
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method != "POST" and request.actor:
        return redirect(next_url)
    form = {"email": request.GET.get("email", "")}
    failure = FormErrors()
    if request.method == "POST":
        form = {"email": request.POST.get("email", "")}
        try:
            data = validate_form(s.LoginIn, request.POST)
            cookie, profile = services.start_web_session(
                email=data["email"], password=data["password"], client_ip=client_ip(request)
            )
        except errors.DomainError as exc:
            failure = form_errors(exc, field_names=LOGIN_FIELDS)
        else:
            response = _start_session(redirect(next_url), cookie)
            return flash(response, f"Welcome back, {profile['display_name']}.")
    context = {"form": form, "errors": failure, "next": next_url if next_url != "/" else ""}
    return render_form(request, "auth/login.html", context, failure)


@page(roles=PUBLIC)
@require_http_methods(["GET", "HEAD", "POST"])
def logout(request):
    if request.method != "POST":
        # A link or a prefetch must never sign anyone out: GET only asks.
        if not request.actor:
            return redirect(LOGIN_URL)
        return render(request, "auth/logout.html")
    if request.actor:
        services.sign_out(actor=request.actor)
    response = redirect(LOGIN_URL)
    response.delete_cookie(settings.SESSION_COOKIE_NAME, samesite="Lax")
    return flash(response, "You are signed out. See you soon!")


# --- my profile ----------------------------------------------------------------------------------


def _profile_form(me: dict) -> dict:
    teacher = me.get("teacher") or {}
    student = me.get("student") or {}
    rate = teacher.get("hourly_rate") or {}
    amount = rate.get("amount")
    return {
        "display_name": me.get("display_name", ""),
        "bio": me.get("bio", ""),
        "phone": me.get("phone", ""),
        "timezone": me.get("timezone") or "UTC",
        "locale": me.get("locale") or "en",
        "subjects": ", ".join(teacher.get("subjects", [])),
        "hourly_rate": f"{decimal.Decimal(amount) / 100:.2f}" if amount is not None else "",
        "currency": rate.get("currency") or "EUR",
        "grade_level": student.get("grade_level", ""),
        "interests": ", ".join(student.get("interests", [])),
        "learning_goals": student.get("learning_goals", ""),
        "languages": ", ".join((teacher.get("teaching_preferences") or {}).get("languages", [])),
        "levels": list((teacher.get("teaching_preferences") or {}).get("levels", [])),
        "formats": list((teacher.get("teaching_preferences") or {}).get("formats", [])),
    }


def _rate_display(me: dict) -> str:
    rate = (me.get("teacher") or {}).get("hourly_rate") or {}
    if rate.get("amount") is None:
        return ""
    return f"{decimal.Decimal(rate['amount']) / 100:.2f} {rate.get('currency', '')} / hour"


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _profile_changes(form: dict, role: str | None) -> dict:
    """The form as the API's PATCH /me body, validated by the same serializer. Raises ValidationError."""
    data: dict = {name: form[name] for name in ("display_name", "bio", "phone", "timezone", "locale")}
    problems: dict = {}
    if role == TEACHER:
        rate, rate_problems = parse_money(form["hourly_rate"], form["currency"])
        data["teacher"] = {
            "subjects": _split_list(form["subjects"]),
            "teaching_preferences": {
                "levels": form.get("levels", []),
                "languages": _split_list(form.get("languages", "")),
                "formats": form.get("formats", []),
            },
        }
        if rate_problems:
            problems["hourly_rate"] = rate_problems
        else:
            data["teacher"]["hourly_rate"] = rate
    elif role == STUDENT:
        data["student"] = {
            "grade_level": form["grade_level"],
            "interests": _split_list(form["interests"]),
            "learning_goals": form["learning_goals"],
        }
    try:
        changes = validate_form(s.ProfilePatchIn, data, partial=True)
    except errors.ValidationError as exc:
        raise errors.ValidationError(exc.message, fields={**exc.fields, **problems}) from exc
    if problems:
        raise errors.ValidationError(FIX_FIELDS, fields=problems)
    return changes


def _render_profile(
    request,
    *,
    form: dict | None = None,
    failure: FormErrors | None = None,
    photo_failure: FormErrors | None = None,
    link_failure: FormErrors | None = None,
    link_form: dict | None = None,
    link_code: dict | None = None,
    availability: list[dict] | None = None,
    availability_failure: FormErrors | None = None,
):
    actor = request.actor
    me = services.get_my_profile(actor=actor)
    failure, photo_failure, link_failure = (
        failure or FormErrors(),
        photo_failure or FormErrors(),
        link_failure or FormErrors(),
    )
    context = {
        "me": me,
        "photo_url": services.photo_url(me),
        "initials": initials(me.get("display_name", "")),
        "role_label": ROLE_LABELS.get(me.get("role"), ""),
        "form": form or _profile_form(me),
        "errors": failure,
        "photo_errors": photo_failure,
        "link_errors": link_failure,
        "link_form": link_form or {"code": ""},
        "link_code": link_code or (_shown_link_code(request) if me.get("role") == STUDENT else None),
        "timezones": TIMEZONE_CHOICES,
        "locales": [(code, LOCALE_LABELS[code]) for code in LOCALES],
        "level_choices": list(LEVEL_LABELS.items()),
        "format_choices": list(FORMAT_LABELS.items()),
        "language_suggestions": LANGUAGE_SUGGESTIONS,
        "availability": availability or _availability_rows(me),
        "availability_errors": availability_failure or FormErrors(),
        "currencies": CURRENCIES,
        "photo_hint": f"JPEG, PNG or WebP, up to {settings.PROFILE_PHOTO_MAX_BYTES // (1024 * 1024)} MB.",
        "rate_display": _rate_display(me),
        "children": [],
        "parents": [],
    }
    if me.get("role") == PARENT:
        context["children"] = [_person(child) for child in services.list_my_children(actor=actor)]
    elif me.get("role") == STUDENT:
        context["parents"] = [_person(parent) for parent in services.list_my_parents(actor=actor)]
    return render_form(
        request, "profile/profile.html", context, failure, photo_failure, link_failure, context["availability_errors"]
    )


def _person(profile: dict) -> dict:
    return {
        "uid": profile["id"],
        "name": profile.get("display_name", ""),
        "initials": initials(profile.get("display_name", "")),
        "photo_url": services.photo_url(profile),
        "grade_level": (profile.get("student") or {}).get("grade_level", ""),
    }


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    if request.method != "POST":
        return _render_profile(request)
    form = {name: request.POST.get(name, "") for name in PROFILE_FIELDS}
    form.update({name: request.POST.getlist(name) for name in PROFILE_LISTS})
    try:
        changes = _profile_changes(form, request.actor.role)
        services.update_my_profile(actor=request.actor, changes=changes)
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=(*PROFILE_FIELDS, *PROFILE_LISTS), aliases=PROFILE_ALIASES)
        return _render_profile(request, form=form, failure=failure)
    return flash(redirect(PROFILE_URL), "Your profile is saved.")


# The body must not be parsed before the size limit is in place, and Django's CSRF middleware would
# parse it to find the token: this view runs the same CSRF check itself, right after the limit.
@csrf_exempt
@page(roles=SIGNED_IN)
@require_POST
def profile_photo(request):
    try:
        body = read_upload_page(request, max_bytes=settings.PROFILE_PHOTO_MAX_BYTES, field="photo")
        upload = body.get("photo")
        if upload is None or isinstance(upload, str):
            raise errors.ValidationError(
                "Choose a photo to upload.", fields={"photo": ["Choose a JPEG, PNG or WebP image."]}
            )
        services.set_my_photo(actor=request.actor, upload=upload)
    except UPLOAD_FAILURES as exc:
        return _render_profile(request, photo_failure=form_errors(exc, field_names=("photo",)))
    return flash(redirect(PROFILE_URL), "Your new photo is up.")


# --- weekly availability (teachers) -----------------------------------------------------------------


def _availability_rows(me: dict) -> list[dict]:
    """Seven weekdays with SLOTS_PER_DAY start/end pairs each, filled from the saved slots."""
    slots = (me.get("teacher") or {}).get("availability", [])
    rows = []
    for weekday, name in enumerate(WEEKDAYS):
        mine = [slot for slot in slots if int(slot.get("weekday", -1)) == weekday][:SLOTS_PER_DAY]
        pairs = [{"start": slot.get("start", ""), "end": slot.get("end", "")} for slot in mine]
        pairs += [{"start": "", "end": ""}] * (SLOTS_PER_DAY - len(pairs))
        rows.append({"weekday": weekday, "name": name, "slots": pairs})
    return rows


def _slots_from(post) -> tuple[list[dict], list[dict], dict]:
    """The form's rows, the filled slots, and problems found on the page (a half-filled slot)."""
    rows, slots, problems = [], [], {}
    for weekday, name in enumerate(WEEKDAYS):
        pairs = []
        for index in range(SLOTS_PER_DAY):
            start = post.get(f"start-{weekday}-{index}", "").strip()
            end = post.get(f"end-{weekday}-{index}", "").strip()
            pairs.append({"start": start, "end": end})
            if start and end:
                slots.append({"weekday": weekday, "start": start, "end": end})
            elif start or end:
                problems.setdefault("slots", []).append(f"{name}: give both a start and an end time.")
        rows.append({"weekday": weekday, "name": name, "slots": pairs})
    return rows, slots, problems


def _day_names(text: str) -> str:
    # The service names days by number (weekday 0 = Monday), which is for programs.
    return re.sub(r"on weekday (\d)", lambda m: f"on {WEEKDAYS[int(m.group(1))]}", text)


@page(roles=TEACHERS, back=PROFILE_URL)
@require_POST
def profile_availability(request):
    rows, slots, problems = _slots_from(request.POST)
    try:
        if problems:
            raise errors.ValidationError(FIX_FIELDS, fields=problems)
        data = validate_form(s.AvailabilityIn, {"slots": slots})
        services.set_my_availability(actor=request.actor, slots=data["slots"])
    except errors.ValidationError as exc:
        failure = form_errors(exc, field_names=("slots",))
        failure.fields = {name: [_day_names(text) for text in texts] for name, texts in failure.fields.items()}
        failure.message = _day_names(failure.message)
        return _render_profile(request, availability=rows, availability_failure=failure)
    count = len(slots)
    return flash(
        redirect(PROFILE_URL + "#availability"),
        f"Your weekly availability is saved ({count} time slot{'s' * (count != 1)}).",
    )


# --- delete my account ----------------------------------------------------------------------------

# What deleting removes, said per role (authentication.services.delete_my_account and the courses
# app's account_deleted receiver).
DELETION_EFFECTS = {
    STUDENT: [
        "Your profile, photo and sign-in.",
        "Your places in courses and on waitlists (freed for other students).",
        "Your links to parents and any parent codes you made.",
    ],
    TEACHER: [
        "Your profile, photo and sign-in.",
        "Your courses are archived: their students keep seeing them, nobody new can enrol.",
    ],
    PARENT: ["Your profile, photo and sign-in.", "Your links to your children (their accounts stay)."],
    ADMIN: ["Your profile, photo and sign-in."],
}
DELETION_KEPT = "Messages you sent in chats, reviews and payment records stay, without your profile."


@page(roles=SIGNED_IN)
@require_http_methods(["GET", "HEAD", "POST"])
def delete_account(request):
    """Asks for the password every time: the API's DELETE /me wants a recent sign-in, and typing the
    password here is one (a fresh ID token), so the page never fails for an old session."""
    actor = request.actor
    failure = FormErrors()
    if request.method == "POST":
        try:
            if request.POST.get("confirm") != "yes":
                raise errors.ValidationError(
                    FIX_FIELDS, fields={"confirm": ["Tick the box to confirm that you want your account deleted."]}
                )
            data = validate_form(s.LoginIn, {"email": actor.email, "password": request.POST.get("password", "")})
            signed = services.sign_in(email=data["email"], password=data["password"], client_ip=client_ip(request))
            fresh = actor_from_token(signed["id_token"])
            if fresh.uid != actor.uid:
                raise errors.PermissionDenied("That sign-in belongs to another account.")
            services.delete_my_account(actor=fresh)
        except errors.Unauthenticated as exc:
            failure = form_errors(
                errors.ValidationError(exc.message, fields={"password": ["That is not your password."]}),
                field_names=("password", "confirm"),
            )
        except (errors.ValidationError, errors.RateLimited) as exc:
            failure = form_errors(exc, field_names=("password", "confirm"))
        else:
            response = redirect("/")
            response.delete_cookie(settings.SESSION_COOKIE_NAME, samesite="Lax")
            return flash(response, "Your account is deleted. Goodbye, and thank you for learning with us.")
    context = {
        "errors": failure,
        "effects": DELETION_EFFECTS.get(actor.role, DELETION_EFFECTS[ADMIN]),
        "kept": DELETION_KEPT,
    }
    return render_form(request, "profile/delete.html", context, failure)


LINK_CODE_COOKIE = "link_code"
LINK_CODE_SALT = "cplatform.link_code"


@page(roles=STUDENTS, back=PROFILE_URL)
@require_POST
def parent_link_code(request):
    # Post/redirect/get: the code rides to the profile page in a signed cookie that lives as long as
    # the code, so reloading the page shows the same code and never mints another.
    code = services.create_parent_link_code(actor=request.actor)
    expires_at = code["expires_at"]
    response = redirect(PROFILE_URL + "#family")
    response.set_cookie(
        LINK_CODE_COOKIE,
        signing.dumps(
            {"code": code["code"], "uid": request.actor.uid, "expires": expires_at.timestamp()}, salt=LINK_CODE_SALT
        ),
        max_age=max(1, int(expires_at.timestamp() - time.time())),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        path=PROFILE_URL,
    )
    return flash(response, "Here is your parent code. Give it to your parent.")


def _shown_link_code(request) -> dict | None:
    """The code this browser last asked for, while it is valid and belongs to the signed-in student."""
    try:
        data = signing.loads(request.COOKIES.get(LINK_CODE_COOKIE, ""), salt=LINK_CODE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("uid") != request.actor.uid or data.get("expires", 0) <= time.time():
        return None
    return {"code": data["code"], "expires_at": dt.datetime.fromtimestamp(data["expires"], dt.UTC)}


@page(roles=PARENTS)
@require_POST
def link_child(request):
    link_form = {"code": request.POST.get("code", "")}
    try:
        data = validate_form(s.LinkCodeIn, request.POST)
        child = services.redeem_parent_link_code(actor=request.actor, code=data["code"])
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=("code",))
        return _render_profile(request, link_form=link_form, link_failure=failure)
    return flash(redirect(PROFILE_URL + "#family"), f"{child['display_name']} is now linked to your account.")


@page(roles=PARENTS)
@require_POST
def unlink_child(request, uid: str):
    services.unlink_child(actor=request.actor, child_uid=uid)
    return flash(redirect(PROFILE_URL + "#family"), "The child is no longer linked to your account.")


@page(roles=STUDENTS)
@require_POST
def unlink_parent(request, uid: str):
    services.unlink_parent(actor=request.actor, parent_uid=uid)
    return flash(redirect(PROFILE_URL + "#family"), "The parent is no longer linked to your account.")


# --- people search -------------------------------------------------------------------------------


@page(roles=TEACHERS_AND_ADMINS)
@require_http_methods(["GET", "HEAD"])
def users(request):
    actor = request.actor
    params = {name: request.GET.get(name, "").strip() for name in (*SEARCH_FIELDS, "limit", "cursor")}
    form = {name: params[name] for name in SEARCH_FIELDS}
    failure, people, next_url = FormErrors(), [], None
    kept = {name: params[name] for name in (*SEARCH_FIELDS, "limit") if params[name]}
    try:
        query = validate_form(s.UserSearchIn, {"limit": SEARCH_PAGE_SIZE, **{k: v for k, v in params.items() if v}})
        result = services.search_users(
            actor=actor,
            q=query["q"],
            role=query.get("role"),
            subject=query.get("subject"),
            limit=query["limit"],
            cursor=query["cursor"] or None,
        )
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=SEARCH_FIELDS)
    else:
        for row in result.items:
            person = s.listing_representation(row, with_email=actor.is_admin)
            person["initials"] = initials(person.get("display_name", ""))
            person["role_label"] = ROLE_LABELS.get(person.get("role"), "")
            people.append(person)
        if result.next_cursor:
            next_url = f"?{urlencode({**kept, 'cursor': result.next_cursor})}"
    roles = [STUDENT, TEACHER, PARENT] + ([ADMIN] if actor.is_admin else [])
    context = {
        "form": form,
        "errors": failure,
        "people": people,
        "next_url": next_url,
        "is_next_page": bool(params["cursor"]),
        "first_url": f"/users/?{urlencode(kept)}" if kept else "/users/",
        "role_choices": [(role, ROLE_LABELS[role]) for role in roles],
        "searched": any(form.values()),
    }
    return render_form(request, "users/search.html", context, failure)
