"""Push transports, chosen by settings.PUSH_BACKEND.

- "fcm": Firebase Cloud Messaging through firebase_admin.messaging (the only module that imports it).
- "memory": records messages in `outbox` instead of sending them (tests, development without
  credentials). Tokens put in `unregistered` are answered as FCM answers a token of an uninstalled
  app, so the clean-up path can be tested.

A transport's `send(messages)` returns the tokens the push service says are gone for good; the
caller forgets them. Any other failure is logged and swallowed: push is best effort.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from firebase_admin import messaging as fcm

from authentication import identity

logger = logging.getLogger(__name__)

FCM_BATCH = 500  # send_each's limit per call
# FCM refuses data payloads using these keys.
RESERVED_DATA_KEYS = frozenset({"from", "notification", "message_type", "collapse_key"})


@dataclass(frozen=True)
class PushMessage:
    token: str
    title: str
    body: str
    data: dict[str, str] = field(default_factory=dict)


def data_payload(values: dict) -> dict[str, str]:
    """FCM data is string -> string: other values go as JSON, reserved keys are dropped."""
    payload = {}
    for raw_key, value in values.items():
        key = str(raw_key)
        if key in RESERVED_DATA_KEYS or key.startswith(("google", "gcm")) or value is None:
            continue
        payload[key] = value if isinstance(value, str) else json.dumps(value, default=str)
    return payload


# --- memory -----------------------------------------------------------------------------------------

outbox: list[PushMessage] = []
unregistered: set[str] = set()


def reset_memory() -> None:
    outbox.clear()
    unregistered.clear()


class MemoryTransport:
    def send(self, messages: list[PushMessage]) -> list[str]:
        gone = [message.token for message in messages if message.token in unregistered]
        outbox.extend(message for message in messages if message.token not in unregistered)
        return gone


# --- Firebase Cloud Messaging ------------------------------------------------------------------------


class FcmTransport:
    def send(self, messages: list[PushMessage]) -> list[str]:
        gone: list[str] = []
        for start in range(0, len(messages), FCM_BATCH):
            chunk = messages[start : start + FCM_BATCH]
            fcm_messages = [
                fcm.Message(
                    token=message.token,
                    notification=fcm.Notification(title=message.title, body=message.body),
                    data=message.data,
                )
                for message in chunk
            ]
            try:
                response = fcm.send_each(fcm_messages, app=identity.app())
            except Exception:
                logger.exception("FCM send_each failed for %d messages", len(chunk))
                continue
            for message, result in zip(chunk, response.responses, strict=True):
                if result.success:
                    continue
                # Unregistered: the app was uninstalled or the token expired. SenderIdMismatch: the
                # token belongs to another Firebase project. Neither will ever work again.
                if isinstance(result.exception, fcm.UnregisteredError | fcm.SenderIdMismatchError):
                    gone.append(message.token)
                else:
                    logger.warning("FCM refused a message: %s", result.exception)
        return gone


TRANSPORTS = {"fcm": FcmTransport, "memory": MemoryTransport}


def transport():
    backend = settings.PUSH_BACKEND
    if backend not in TRANSPORTS:
        raise ValueError(f"PUSH_BACKEND must be one of {sorted(TRANSPORTS)}, not {backend!r}")
    return TRANSPORTS[backend]()


def send(messages: list[PushMessage]) -> list[str]:
    """Send through the configured transport; returns the tokens to forget."""
    if not messages:
        return []
    return transport().send(messages)
