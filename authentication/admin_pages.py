"""The admin area's people side: the admin hub, the users list (filters, role, disable/enable) and
deleting an account after a confirmation page.

Every form posts and redirects back to the list it came from (post/redirect/get); a GET on a
POST-only address goes to its page. The services check the admin role again (check_roles).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from authentication import access, services
from authentication import serializers as s
from authentication.pages import ROLE_LABELS, initials
from cplatform import errors
from cplatform.actor import ADMIN, PARENT, STUDENT, TEACHER
from cplatform.pages import FormErrors, flash, form_errors, page, render_form, safe_next, validate_form
from middlewares.roles import ADMINS

USERS_URL = "/admin/users/"
USERS_PAGE_SIZE = 25
FILTER_FIELDS = ("q", "role", "disabled")
DISABLED_CHOICES = (("", "Everyone"), ("false", "Active accounts"), ("true", "Disabled accounts"))
ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in (STUDENT, TEACHER, PARENT, ADMIN)]
WHAT_DELETION_REMOVES = {
    STUDENT: [
        "the sign-in and the profile with the photo",
        "links to parents and unused link codes",
        "their seats in courses (seats go to the waitlist) and their chat rooms",
    ],
    TEACHER: [
        "the sign-in and the profile with the photo",
        "their courses are archived: students keep their history but nobody can join",
        "their chat rooms",
    ],
    PARENT: ["the sign-in and the profile with the photo", "the links to their children", "their chat rooms"],
    ADMIN: ["the sign-in and the profile with the photo", "their chat rooms"],
}


def _back(request) -> str:
    return safe_next(request, request.POST.get("next"), USERS_URL)


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD"])
def admin_home(request):
    return render(request, "admin/home.html")


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD"])
def users(request):
    params = {name: request.GET.get(name, "").strip() for name in (*FILTER_FIELDS, "cursor")}
    form = {name: params[name] for name in FILTER_FIELDS}
    kept = {name: value for name, value in form.items() if value}
    failure, people, next_url = FormErrors(), [], None
    try:
        query = validate_form(s.AdminUserListIn, {"limit": USERS_PAGE_SIZE, **{k: v for k, v in params.items() if v}})
        result = services.admin_list_users(
            actor=request.actor,
            q=query["q"],
            role=query.get("role"),
            disabled=query.get("disabled"),
            limit=query["limit"],
            cursor=query["cursor"] or None,
        )
    except errors.DomainError as exc:
        failure = form_errors(exc, field_names=(*FILTER_FIELDS, "cursor"))
    else:
        for row in result.items:
            person = s.listing_representation(row, with_email=True)
            person["initials"] = initials(person.get("display_name", ""))
            person["role_label"] = ROLE_LABELS.get(person.get("role"), "")
            person["is_me"] = person["uid"] == request.actor.uid
            people.append(person)
        if result.next_cursor:
            next_url = f"?{urlencode({**kept, 'cursor': result.next_cursor})}"
    context = {
        "form": form,
        "errors": failure,
        "people": people,
        "next_url": next_url,
        "is_next_page": bool(params["cursor"]),
        "first_url": f"{USERS_URL}?{urlencode(kept)}" if kept else USERS_URL,
        "here": request.get_full_path(),
        "role_choices": ROLE_CHOICES,
        "disabled_choices": DISABLED_CHOICES,
        "filtered": bool(kept),
    }
    return render_form(request, "admin/users.html", context, failure)


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def user_change(request, uid: str):
    """Change role, disable or enable; back to the list it came from with what happened."""
    if request.method != "POST":
        return redirect(USERS_URL)
    action = request.POST.get("action", "")
    try:
        if action == "role":
            data = validate_form(s.AdminUserPatchIn, {"role": request.POST.get("role", "")})
        elif action in ("disable", "enable"):
            data = {"disabled": action == "disable"}
        else:
            raise errors.ValidationError("Choose what to change.")
        profile = services.admin_update_user(actor=request.actor, uid=uid, **data)
    except errors.ValidationError:
        return flash(redirect(_back(request)), "Choose one of the roles in the list.")
    except errors.DomainError as exc:
        return flash(redirect(_back(request)), exc.message)
    name = profile.get("display_name") or "The account"
    if action == "role":
        message = f"{name} is now {ROLE_LABELS.get(profile['role'], profile['role']).lower()}. They sign in again."
    elif action == "disable":
        message = f"{name} is disabled: they are signed out and cannot sign in."
    else:
        message = f"{name} can sign in again."
    return flash(redirect(_back(request)), message)


@page(roles=ADMINS)
@require_http_methods(["GET", "HEAD", "POST"])
def user_delete(request, uid: str):
    """GET: what deleting removes, and the button; POST: delete, then back to the users list."""
    profile = access.get_profile_or_404(uid)
    if request.method == "POST":
        try:
            services.admin_delete_user(actor=request.actor, uid=uid)
        except errors.Conflict as exc:
            return flash(redirect(USERS_URL), exc.message)
        return flash(redirect(USERS_URL), f"The account of {profile.get('display_name') or 'this user'} is deleted.")
    context = {
        "person": s.listing_representation(profile, with_email=True),
        "role_label": ROLE_LABELS.get(profile.get("role"), ""),
        "removes": WHAT_DELETION_REMOVES.get(profile.get("role"), WHAT_DELETION_REMOVES[ADMIN]),
        "is_me": uid == request.actor.uid,
    }
    return render(request, "admin/user_delete.html", context)
