"""The one WebSocket of a client (/ws/): all its rooms and its notifications. Frames: docs/api.md "Chat".

Thin on purpose: parse the frame, call the same services as the REST API in a worker thread, send
the result. Events to the user's group (messaging.groups) are forwarded as they are: their "type"
is the frame type. Room frames arrive already encoded through the process's fan-out
(messaging.fanout), which calls `deliver`. Who may do what lives in messaging.access /
messaging.services, not here; `self.rooms` is only the set of rooms this socket is registered in
(loaded at connect, kept by room.joined/room.left and the periodic re-read).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http.cookie import parse_cookie
from django.http.request import validate_host

from cplatform import errors, json_body, logcontext
from cplatform.actor import ALL_ROLES, Actor
from cplatform.exception_handler import to_domain_error
from cplatform.serializers import validate_input
from messaging import fanout, groups, presence, services
from messaging import serializers as shapes
from middlewares import firebase_auth

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401  # missing, bad, expired or revoked credentials; or a frame before auth
CLOSE_FORBIDDEN = 4403  # cookie from a foreign Origin, an account without a role, re-auth as someone else
CLOSE_AUTH_TIMEOUT = 4408  # no credentials within CHAT_AUTH_TIMEOUT_SECONDS
CLOSE_RATE_LIMITED = 4429  # more than CHAT_SOCKET_FRAME_LIMIT frames in 10 s
MAX_FRAME_CHARS = 16_000
FLOOD_WINDOW_SECONDS = 10.0
TYPING_INTERVAL_SECONDS = 2.0
SYNC_PAGE = 100


async def _call(fn, *args, **kwargs):
    """A blocking function (Firestore, Firebase Auth, the cache) off the event loop."""
    return await sync_to_async(fn, thread_sensitive=False)(*args, **kwargs)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _session_cookie(scope: dict) -> str | None:
    header = _header(scope, b"cookie")
    return parse_cookie(header).get(settings.SESSION_COOKIE_NAME) if header else None


def _origin_allowed(scope: dict) -> bool:
    """Cookie-authenticated sockets must come from our own pages (cross-site WebSocket hijacking)."""
    origin = _header(scope, b"origin")
    host = urlsplit(origin).hostname if origin else None
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


def _text(frame: dict, key: str, *, max_length: int = 200) -> str:
    value = frame.get(key)
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise errors.ValidationError(f"{key}: Required, a string of at most {max_length} characters.", fields={key: []})
    return value


class ChatConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message: dict) -> None:
        # Channels closes stale Django database connections in a worker thread before every
        # handler. This project has no SQL database, and with 200 sockets in a room that thread
        # hop per delivered frame was the largest cost of a fan-out (bench/chat_fanout.py).
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.actor: Actor | None = None
        self.closing = False
        self.rooms: dict[str, str] = {}  # room_id -> kind, for the groups this socket joined
        self.viewing: set[str] = set()
        self.frame_times: deque[float] = deque()
        self.typing_sent: dict[str, float] = {}
        self.tasks: list[asyncio.Task] = []
        self.counted_online = False
        self.local: fanout.LocalRooms | None = None
        await self.accept()
        cookie = _session_cookie(self.scope)
        if not cookie:
            # Mobile clients authenticate with their first frame; a token in the URL is never read
            # (URLs end up in logs).
            self.tasks.append(asyncio.create_task(self._auth_deadline()))
            return
        if not _origin_allowed(self.scope):
            await self._close(CLOSE_FORBIDDEN, "origin not allowed")
            return
        try:
            actor = await _call(firebase_auth.actor_from_session_cookie, cookie)
        except errors.Unauthenticated as exc:
            await self._close(CLOSE_UNAUTHENTICATED, exc.code)
            return
        await self._start(actor)

    async def disconnect(self, code) -> None:
        self.closing = True
        for task in self.tasks:
            task.cancel()
        if self.actor is None:
            return
        uid = self.actor.uid
        for room_id in self.viewing:
            await _call(presence.clear_viewing, uid, room_id)
        if self.local is not None:
            self.local.leave_all(self, self.rooms)
        await self.channel_layer.group_discard(groups.user_group(uid), self.channel_name)
        if self.counted_online and await _call(presence.socket_closed, uid):
            await self._announce_presence(online=False)

    # --- authentication ---------------------------------------------------------------------------

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(settings.CHAT_AUTH_TIMEOUT_SECONDS)
        if self.actor is None and not self.closing:
            await self._close(CLOSE_AUTH_TIMEOUT, "auth timeout")

    async def _start(self, actor: Actor) -> None:
        if actor.role not in ALL_ROLES:
            await self._close(CLOSE_FORBIDDEN, "no role")
            return
        self.actor = actor
        found = await _call(services.socket_rooms, actor=actor)
        self.rooms = {room_id: room["kind"] for room_id, room in found.items()}
        # Join the groups before anything else, so a client's first sync cannot miss a message.
        self.local = await fanout.local_rooms(self.channel_layer)
        await self.channel_layer.group_add(groups.user_group(actor.uid), self.channel_name)
        for room_id, room in found.items():
            await self.local.join(self, room_id, after_seq=room["message_seq"])
        self.counted_online = True
        came_online = await _call(presence.socket_opened, actor.uid)
        await self._send({"type": "auth.ok", "uid": actor.uid, "role": actor.role, "rooms": list(self.rooms)})
        if came_online:
            await self._announce_presence(online=True)
        self.tasks.append(asyncio.create_task(self._recheck_credentials()))
        self.tasks.append(asyncio.create_task(self._recheck_rooms()))

    async def _auth_frame(self, frame: dict) -> None:
        token = frame.get("token")
        if not isinstance(token, str) or not token:
            await self._close(CLOSE_UNAUTHENTICATED, "token missing")
            return
        try:
            actor = await _call(firebase_auth.actor_from_token, token)
        except errors.Unauthenticated as exc:
            await self._close(CLOSE_UNAUTHENTICATED, exc.code)
            return
        if self.actor is None:
            await self._start(actor)
        elif actor.uid != self.actor.uid:
            await self._close(CLOSE_FORBIDDEN, "another user")
        else:
            # A refreshed ID token (they last an hour): the socket lives on with the new one.
            self.actor = actor
            await self._send({"type": "auth.ok", "uid": actor.uid, "role": actor.role, "rooms": list(self.rooms)})

    async def _recheck_credentials(self) -> None:
        """Logout and revocation end open sockets too (within CHAT_AUTH_RECHECK_SECONDS)."""
        while not self.closing:
            await asyncio.sleep(settings.CHAT_AUTH_RECHECK_SECONDS)
            verify = (
                firebase_auth.actor_from_token if self.actor.via == "token" else firebase_auth.actor_from_session_cookie
            )
            try:
                await _call(verify, self.actor.credential)
            except errors.Unauthenticated as exc:
                await self._close(CLOSE_UNAUTHENTICATED, exc.code)
                return
            except Exception:
                logger.warning("could not re-verify the socket of %s; keeping it", self.actor.uid, exc_info=True)

    async def _recheck_rooms(self) -> None:
        """The channel layer may lose a room.left or room.joined event (it is at-most-once): every
        CHAT_MEMBERSHIP_RECHECK_SECONDS the socket re-reads its rooms (one query) and leaves rooms it
        was removed from, so a removed member stops receiving a room's frames within that time."""
        while not self.closing:
            await asyncio.sleep(settings.CHAT_MEMBERSHIP_RECHECK_SECONDS)
            try:
                current = await _call(services.socket_rooms, actor=self.actor)
            except Exception:
                logger.warning("could not re-read the rooms of %s; keeping them", self.actor.uid, exc_info=True)
                continue
            for room_id in [room_id for room_id in self.rooms if room_id not in current]:
                await self.room_left({"type": "room.left", "room": room_id})
            for room_id, room in current.items():
                if room_id not in self.rooms:
                    self.rooms[room_id] = room["kind"]
                    await self.local.join(self, room_id, after_seq=room["message_seq"])

    # --- frames from the client -------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.closing:
            return
        if self._flooding():
            await self._close(CLOSE_RATE_LIMITED, "too many frames")
            return
        frame = self._parse(text_data)
        if isinstance(frame, errors.DomainError):
            await self._send_error(frame, {})
            return
        # Each frame is one request: the client's `request_id` when sane, else a new one; it is in
        # every log line of the frame, in the tasks it starts, and in the ack or error frame back.
        token = logcontext.set_request_id(
            logcontext.acceptable(frame.get("request_id") if isinstance(frame.get("request_id"), str) else None)
            or logcontext.new_request_id()
        )
        try:
            await self._handle(frame)
        finally:
            logcontext.reset_request_id(token)

    async def _handle(self, frame: dict) -> None:
        if self.actor is None:
            if frame["type"] == "auth":
                await self._auth_frame(frame)
            else:
                await self._close(CLOSE_UNAUTHENTICATED, "authenticate first")
            return
        handler = self.HANDLERS.get(frame["type"])
        try:
            if handler is None:
                raise errors.ValidationError(f"Unknown frame type {frame['type'][:40]!r}.", code="unknown_type")
            await handler(self, frame)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error frame; bugs are logged there
            await self._send_error(exc, frame)

    def _flooding(self) -> bool:
        now = time.monotonic()
        while self.frame_times and self.frame_times[0] < now - FLOOD_WINDOW_SECONDS:
            self.frame_times.popleft()
        self.frame_times.append(now)
        return len(self.frame_times) > settings.CHAT_SOCKET_FRAME_LIMIT

    @staticmethod
    def _parse(text_data) -> dict | errors.DomainError:
        if text_data is None:
            return errors.ValidationError("Send JSON text frames.", code="bad_frame")
        if len(text_data) > MAX_FRAME_CHARS:
            return errors.ValidationError(f"A frame has at most {MAX_FRAME_CHARS} characters.", code="too_large")
        try:
            frame = json_body.loads(text_data)
        except ValueError:
            return errors.ValidationError("The frame is not valid JSON.", code="bad_frame")
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return errors.ValidationError('A frame is a JSON object with a "type".', code="bad_frame")
        return frame

    async def on_auth(self, frame: dict) -> None:
        await self._auth_frame(frame)

    async def on_message_send(self, frame: dict) -> None:
        data = validate_input(shapes.MessageIn, frame)
        message, created = await _call(
            services.post_message,
            actor=self.actor,
            room_id=_text(frame, "room"),
            content=data["content"],
            client_id=data.get("client_id"),
        )
        await self._ack(frame, message, created=created)

    async def on_message_edit(self, frame: dict) -> None:
        message = await _call(
            services.edit_message,
            actor=self.actor,
            room_id=_text(frame, "room"),
            message_id=_text(frame, "message_id", max_length=64),
            content=validate_input(shapes.MessageEditIn, frame)["content"],
        )
        await self._ack(frame, message)

    async def on_message_delete(self, frame: dict) -> None:
        message = await _call(
            services.delete_message,
            actor=self.actor,
            room_id=_text(frame, "room"),
            message_id=_text(frame, "message_id", max_length=64),
        )
        await self._ack(frame, message)

    async def on_read(self, frame: dict) -> None:
        # The "read" event comes back through the channel layer (room group in direct rooms, else
        # the user's group), so every device of the user updates its counts the same way.
        await _call(
            services.mark_read,
            actor=self.actor,
            room_id=_text(frame, "room"),
            message_id=_text(frame, "message_id", max_length=64),
        )

    async def on_sync(self, frame: dict) -> None:
        room_id = _text(frame, "room")
        after = frame.get("after") or None
        if after is not None and not isinstance(after, str):
            raise errors.ValidationError("after: A message id.", fields={"after": []})
        items, next_cursor = await _call(
            services.list_messages, actor=self.actor, room_id=room_id, after=after, limit=SYNC_PAGE
        )
        await self._send(
            {
                "type": "sync.result",
                "room": room_id,
                "messages": [shapes.message_representation(m) for m in items],
                # With `after`: more newer messages wait (sync again from the last one).
                "has_more": bool(after and next_cursor),
            }
        )

    async def on_typing(self, frame: dict) -> None:
        room_id = self._joined_room(frame)
        now = time.monotonic()
        if now - self.typing_sent.get(room_id, 0.0) < TYPING_INTERVAL_SECONDS:
            return  # one typing event per room per 2 s is plenty, however often the client sends
        self.typing_sent[room_id] = now
        await fanout.publish(
            room_id, {"type": "typing", "room": room_id, "uid": self.actor.uid}, skip_uid=self.actor.uid
        )

    async def on_room_open(self, frame: dict) -> None:
        room_id = self._joined_room(frame)
        self.viewing.add(room_id)
        await _call(presence.set_viewing, self.actor.uid, room_id)

    async def on_room_close(self, frame: dict) -> None:
        room_id = _text(frame, "room")
        if room_id in self.viewing:
            self.viewing.discard(room_id)
            await _call(presence.clear_viewing, self.actor.uid, room_id)

    async def on_ping(self, frame: dict) -> None:
        await _call(presence.refresh, self.actor.uid, set(self.viewing))
        await self._send({"type": "pong"})

    HANDLERS = {
        "auth": on_auth,
        "message.send": on_message_send,
        "message.edit": on_message_edit,
        "message.delete": on_message_delete,
        "read": on_read,
        "sync": on_sync,
        "typing": on_typing,
        "room.open": on_room_open,
        "room.close": on_room_close,
        "ping": on_ping,
    }

    def _joined_room(self, frame: dict) -> str:
        room_id = _text(frame, "room")
        if room_id not in self.rooms:
            raise errors.PermissionDenied("You are not a member of this chat room.")
        return room_id

    # --- room frames from the process's fan-out (messaging.fanout) -----------------------------------

    @property
    def uid(self) -> str | None:
        return self.actor.uid if self.actor else None

    async def deliver(self, message: dict) -> None:
        """A room frame, already encoded and shared by every socket of the room in this process."""
        if self.closing:
            return
        try:
            await self.base_send(message)
        except Exception:  # noqa: BLE001 - the peer is gone; see _send
            self.closing = True

    # --- events to the user's group (type "a.b" calls method a_b) ----------------------------------

    async def _forward(self, event: dict) -> None:
        await self._send({key: value for key, value in event.items() if not key.startswith("__")})

    async def read(self, event: dict) -> None:
        await self._forward(event)

    async def notification_new(self, event: dict) -> None:
        await self._forward(event)

    async def room_joined(self, event: dict) -> None:
        room = event.get("room") or {}
        room_id = room.get("id")
        if not room_id or self.actor is None:
            return
        if room_id not in self.rooms:
            self.rooms[room_id] = room.get("kind", "")
            await self.local.join(self, room_id, after_seq=room.get("message_seq"))
        await self._forward(event)

    async def room_left(self, event: dict) -> None:
        room_id = event.get("room")
        if room_id in self.rooms:
            del self.rooms[room_id]
            self.viewing.discard(room_id)
            self.local.leave(self, room_id)
        await self._forward(event)

    # --- sending ------------------------------------------------------------------------------------

    async def _send(self, frame: dict) -> None:
        if self.closing:
            return
        try:
            await self.send(text_data=json.dumps(frame, separators=(",", ":")))
        except Exception:  # noqa: BLE001 - the peer is gone (daphne raises autobahn's Disconnected)
            # A group event can arrive between the peer leaving and websocket.disconnect; raising here
            # would end the consumer before disconnect() leaves its groups and presence counters.
            logger.debug("socket of %s gone before a frame could be sent", getattr(self.actor, "uid", "?"))
            self.closing = True

    async def _ack(self, frame: dict, message: dict, *, created: bool | None = None) -> None:
        body = {
            "type": "ack",
            "frame": frame["type"],
            "client_id": message.get("client_id"),
            "request_id": logcontext.current_request_id(),
        }
        if created is not None:
            body["created"] = created
        body["message"] = shapes.message_representation(message)
        await self._send(body)

    async def _send_error(self, exc: Exception, frame: dict) -> None:
        err = to_domain_error(exc)
        if err is None:
            logger.exception("chat frame %s failed", frame.get("type"))
            err = errors.DomainError("Something went wrong on our side; it has been logged.", code="server_error")
        body = {"type": "error", **err.as_dict()["error"], "request_id": logcontext.current_request_id()}
        if isinstance(err, errors.RateLimited):
            body["retry_after"] = err.retry_after
        if frame.get("type"):
            body["frame"] = str(frame["type"])[:40]
        for key in ("client_id", "room", "message_id"):
            if isinstance(frame.get(key), str):
                body[key] = frame[key][:200]
        await self._send(body)

    async def _close(self, code: int, reason: str = "") -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code, reason=reason[:100] or None)

    async def _announce_presence(self, *, online: bool) -> None:
        # Direct rooms only: announcing every arrival to a 200-member course room would cost
        # 200 frames per connect; group members see activity through messages instead.
        frame = {"type": "presence", "uid": self.actor.uid, "online": online}
        for room_id, kind in list(self.rooms.items()):
            if kind == "direct":
                await fanout.publish(room_id, frame, skip_uid=self.actor.uid)
