"""Firebase Auth: the one module that creates accounts, signs in, verifies and revokes credentials.

Revocation stays real but cheap: tokens are verified locally (signature, expiry, audience), and
the uid's `tokens_valid_after` / disabled state is cached for AUTH_REVOCATION_CACHE_SECONDS in the
shared cache. Logout and role changes overwrite that entry at once, so every process sees them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Iterator

import firebase_admin
import requests
from django.conf import settings
from django.core.cache import cache
from firebase_admin import auth
from firebase_admin import exceptions as firebase_exceptions

from cplatform import errors

logger = logging.getLogger(__name__)
_init_lock = threading.Lock()

ID_TOKEN_SECONDS = 3600


class InvalidCredentials(Exception):
    """Email/password pair rejected by Firebase Auth (unknown email and wrong password alike)."""


def app() -> firebase_admin.App:
    with _init_lock:
        try:
            return firebase_admin.get_app()
        except ValueError:
            # firebase-admin waits 120 s for Auth by default; a hung Auth must become a 503 in time.
            return firebase_admin.initialize_app(
                options={"projectId": settings.FIREBASE_PROJECT_ID, "httpTimeout": settings.AUTH_TIMEOUT_SECONDS}
            )


def warm_up() -> None:
    """Fetch Google's signing certificates now, so the first real request is not the slow one."""
    if settings.FIREBASE_AUTH_EMULATOR_HOST:
        return
    try:
        auth.verify_id_token("warm.up.token", app=app())
    except (auth.InvalidIdTokenError, ValueError):
        pass
    except Exception:
        logger.warning("could not pre-fetch Firebase signing certificates", exc_info=True)


def unavailable(exc: BaseException) -> bool:
    """Whether an exception means Firebase Auth did not answer (refused, timed out, 5xx)."""
    return isinstance(
        exc,
        firebase_exceptions.UnavailableError
        | firebase_exceptions.DeadlineExceededError
        | firebase_exceptions.InternalError,
    )


# --- accounts -------------------------------------------------------------------------------------


def create_account(*, email: str, password: str, display_name: str, role: str) -> str:
    """Create the Firebase user with its role claim; returns the uid. Raises Conflict, ValidationError."""
    try:
        user = auth.create_user(email=email, password=password, display_name=display_name, app=app())
    except auth.EmailAlreadyExistsError as exc:
        raise errors.Conflict(
            "An account with this email already exists.",
            code="email_taken",
            fields={"email": ["An account with this email already exists."]},
        ) from exc
    except ValueError as exc:
        raise errors.ValidationError(str(exc)) from exc
    try:
        auth.set_custom_user_claims(user.uid, {"role": role}, app=app())
    except Exception:
        auth.delete_user(user.uid, app=app())
        raise
    return user.uid


def set_role(uid: str, role: str) -> None:
    auth.set_custom_user_claims(uid, {"role": role}, app=app())


def set_disabled(uid: str, disabled: bool) -> None:
    auth.update_user(uid, disabled=disabled, app=app())


def list_accounts() -> Iterator[dict]:
    """Every Firebase Auth account as {uid, disabled, role} (the role claim, None without one).

    Raises firebase_admin's errors when Auth cannot be listed to the end.
    """
    for user in auth.list_users(app=app()).iterate_all():
        yield {"uid": user.uid, "disabled": user.disabled, "role": (user.custom_claims or {}).get("role")}


def delete_account(uid: str) -> None:
    with contextlib.suppress(auth.UserNotFoundError):
        auth.delete_user(uid, app=app())
    cache.delete(_state_key(uid))


def email_verification_link(email: str, *, continue_url: str) -> str:
    """A Firebase Auth link that marks the address verified when opened."""
    return auth.generate_email_verification_link(
        email, action_code_settings=auth.ActionCodeSettings(url=continue_url), app=app()
    )


def is_email_verified(uid: str) -> bool:
    try:
        return bool(auth.get_user(uid, app=app()).email_verified)
    except auth.UserNotFoundError:
        return False


def mark_email_verified(uid: str) -> None:
    """For accounts whose address is known to be right (demo data, tests, an admin's own)."""
    auth.update_user(uid, email_verified=True, app=app())


def account_exists(uid: str) -> bool:
    try:
        auth.get_user(uid, app=app())
    except auth.UserNotFoundError:
        return False
    return True


# --- sign-in and session cookies -----------------------------------------------------------------


def _identity_toolkit_url(method: str) -> str:
    host = settings.FIREBASE_AUTH_EMULATOR_HOST
    base = f"http://{host}/identitytoolkit.googleapis.com" if host else "https://identitytoolkit.googleapis.com"
    return f"{base}/v1/accounts:{method}?key={settings.FIREBASE_WEB_API_KEY}"


def sign_in_with_password(email: str, password: str) -> dict:
    """Exchange email/password for Firebase tokens. Raises InvalidCredentials, ServiceUnavailable."""
    try:
        response = requests.post(
            _identity_toolkit_url("signInWithPassword"),
            json={"email": email, "password": password, "returnSecureToken": True},
            timeout=2 * settings.AUTH_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise errors.ServiceUnavailable("The sign-in service is not answering; please retry.") from exc
    if response.status_code == 400:
        message = response.json().get("error", {}).get("message", "")
        if message.startswith("USER_DISABLED"):
            raise errors.PermissionDenied("This account is disabled.", code="account_disabled")
        raise InvalidCredentials(message)
    if response.status_code != 200:
        raise errors.ServiceUnavailable("The sign-in service failed; please retry.")
    body = response.json()
    return {
        "id_token": body["idToken"],
        "refresh_token": body["refreshToken"],
        "expires_in": int(body["expiresIn"]),
        "uid": body["localId"],
    }


def create_session_cookie(id_token: str) -> str:
    return auth.create_session_cookie(id_token, expires_in=settings.SESSION_COOKIE_DAYS * 24 * 3600, app=app())


# --- verification --------------------------------------------------------------------------------


def verify_id_token(token: str) -> dict:
    """Verified claims of a Firebase ID token. Raises Unauthenticated."""
    try:
        claims = auth.verify_id_token(token, app=app(), clock_skew_seconds=settings.FIREBASE_CLOCK_SKEW_SECONDS)
    except auth.ExpiredIdTokenError as exc:
        raise errors.Unauthenticated("The ID token has expired; refresh it.", code="token_expired") from exc
    except (auth.InvalidIdTokenError, ValueError) as exc:
        raise errors.Unauthenticated("The ID token is not valid.", code="token_invalid") from exc
    _check_not_revoked(token, claims)
    return claims


def verify_session_cookie(cookie: str) -> dict:
    """Verified claims of a Firebase session cookie. Raises Unauthenticated."""
    try:
        claims = auth.verify_session_cookie(cookie, app=app(), clock_skew_seconds=settings.FIREBASE_CLOCK_SKEW_SECONDS)
    except auth.ExpiredSessionCookieError as exc:
        raise errors.Unauthenticated("Your session has expired; sign in again.", code="session_expired") from exc
    except (auth.InvalidSessionCookieError, ValueError) as exc:
        raise errors.Unauthenticated("The session is not valid; sign in again.", code="session_invalid") from exc
    _check_not_revoked(cookie, claims)
    return claims


def _state_key(uid: str) -> str:
    return f"auth-state:{uid}"


def _deny_key(credential: str) -> str:
    return "auth-deny:" + hashlib.sha256(credential.encode()).hexdigest()


def _account_state(uid: str) -> dict:
    state = cache.get(_state_key(uid))
    if state is None:
        try:
            user = auth.get_user(uid, app=app())
        except auth.UserNotFoundError:
            state = {"valid_after": 0, "disabled": True, "deleted": True}
        else:
            state = {
                "valid_after": (user.tokens_valid_after_timestamp or 0) // 1000,
                "disabled": user.disabled,
                "role": (user.custom_claims or {}).get("role"),
            }
        cache.set(_state_key(uid), state, settings.AUTH_REVOCATION_CACHE_SECONDS)
    return state


def _check_not_revoked(credential: str, claims: dict) -> None:
    # Same rule as firebase-admin's check_revoked (issued before tokens_valid_after = revoked), with
    # the uid's state cached instead of fetched per request.
    if cache.get(_deny_key(credential)):
        raise errors.Unauthenticated("You have signed out; sign in again.", code="token_revoked")
    state = _account_state(claims["uid"])
    if state.get("disabled"):
        raise errors.Unauthenticated("This account is disabled or deleted.", code="account_disabled")
    if claims.get("iat", 0) < state["valid_after"]:
        raise errors.Unauthenticated("This sign-in was revoked; sign in again.", code="token_revoked")
    if "role" in state and claims.get("role") != state["role"]:
        # The role claim was changed outside the app (the Admin SDK, a script): a token still
        # carrying the old one must not keep its rights until it expires.
        raise errors.Unauthenticated("Your role has changed; sign in again.", code="role_changed")


def revoke_sessions(uid: str, *, credential: str | None = None) -> None:
    """End every session of the uid at once: Firebase revocation plus the shared cache entry.

    The presented credential is also deny-listed: `iat` has one-second resolution, so a token
    issued in the same second as the revocation would otherwise survive it.
    """
    auth.revoke_refresh_tokens(uid, app=app())
    cache.delete(_state_key(uid))
    if credential:
        cache.set(_deny_key(credential), True, settings.SESSION_COOKIE_DAYS * 24 * 3600)


def forget_account_state(uid: str) -> None:
    """Drop the cached revocation state (after disabling or changing a role)."""
    cache.delete(_state_key(uid))


def now() -> int:
    return int(time.time())


def uid_for_email(email: str) -> str | None:
    """The uid of the account with this email, None when there is none (used by demo data)."""
    try:
        return auth.get_user_by_email(email.strip().lower(), app=app()).uid
    except auth.UserNotFoundError:
        return None
