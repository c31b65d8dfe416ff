"""Direct calls to the emulators' own REST endpoints (clearing data, signing in, rules checks)."""

from __future__ import annotations

import os

import requests

PROJECT = os.environ.get("FIREBASE_PROJECT_ID", "demo-cplatform")


def firestore_host() -> str:
    return os.environ["FIRESTORE_EMULATOR_HOST"]


def auth_host() -> str:
    return os.environ["FIREBASE_AUTH_EMULATOR_HOST"]


def clear_firestore() -> None:
    url = f"http://{firestore_host()}/emulator/v1/projects/{PROJECT}/databases/(default)/documents"
    requests.delete(url, timeout=10).raise_for_status()


def clear_auth() -> None:
    url = f"http://{auth_host()}/emulator/v1/projects/{PROJECT}/accounts"
    requests.delete(url, timeout=10).raise_for_status()


def sign_in(email: str, password: str) -> dict:
    url = f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=fake"
    response = requests.post(url, json={"email": email, "password": password, "returnSecureToken": True}, timeout=10)
    response.raise_for_status()
    return response.json()


def client_sign_up(email: str, password: str = "client-pass-1") -> str:
    """An account made by a client with the public API key (no backend, so no role): its ID token."""
    url = f"http://{auth_host()}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=fake"
    response = requests.post(url, json={"email": email, "password": password, "returnSecureToken": True}, timeout=10)
    response.raise_for_status()
    return response.json()["idToken"]


def firestore_rest(method: str, path: str, token: str | None, **kwargs) -> requests.Response:
    """A client-side Firestore REST call, as a mobile app would make it (rules apply with a token)."""
    url = f"http://{firestore_host()}/v1/projects/{PROJECT}/databases/(default)/documents/{path}"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, url, headers=headers, timeout=10, **kwargs)
