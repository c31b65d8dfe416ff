"""Room frames: encoded once, one channel-layer message per server process, local fan-out to its sockets.

A frame for a room (message.new, typing, member.removed...) is turned into JSON text once, by its
sender (`publish` / `publish_sync`). The channel layer carries that text in one envelope to each
server process holding a socket in the room: every process has one channel of its own, and that
channel (not each socket's) is what joins the room's group (`groups.room_group`). The process reads
its channel in one task and hands the same text, in the same ASGI message, to each of its sockets
in the room (`LocalRooms`). With Redis a message costs one Redis delivery per process instead of
one per member; with 200 sockets in a room that is the difference between 200 channel-layer copies,
200 consumer wake-ups and 200 `json.dumps` per message and one of each.

Guarantees (docs/architecture.md "Chat delivery"):
- Membership is the registry: a socket is in `LocalRooms` for a room exactly while it is a member
  (joined at connect before `auth.ok`, left on room.left or the periodic membership re-read), and a
  frame goes only to the sockets registered when it is delivered.
- Order: message.new envelopes carry the message's `seq`; a process delivers a room's messages in
  seq order, holding one that jumps ahead for up to CHAT_FANOUT_REORDER_SECONDS while the missing
  one is in flight (two sends finishing in different threads or processes). A frame the layer lost
  is never waited for longer: clients fill gaps with `sync` (messages are stored before they are
  published, so a lost frame is never a lost message).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Protocol

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from messaging import groups

logger = logging.getLogger(__name__)

ENVELOPE = "room.fanout"
# Rooms without a local socket stay subscribed this long (a member often comes straight back);
# the same pass re-adds the others before the layer's group_expiry can forget them.
SWEEP_SECONDS = 60.0


class Socket(Protocol):
    """What the fan-out needs of a consumer (messaging.consumers.ChatConsumer)."""

    closing: bool

    @property
    def uid(self) -> str | None: ...

    async def deliver(self, message: dict) -> None: ...


def encode_frame(frame: dict) -> str:
    """The JSON text of a frame, exactly as every socket receives it."""
    return json.dumps(frame, separators=(",", ":"))


def envelope(room_id: str, frame: dict, *, skip_uid: str | None = None, room_write: dict | None = None) -> dict:
    """The channel-layer message for a room frame: the frame encoded once, plus what delivery needs."""
    message = {"type": ENVELOPE, "room": room_id, "text": encode_frame(frame)}
    if frame.get("type") == "message.new":
        message["seq"] = int(frame["message"]["seq"])
    if skip_uid:
        message["skip_uid"] = skip_uid  # typing / presence: not echoed to the user's own sockets
    if room_write:
        message["room_write"] = room_write  # the sender's change to the room document (see follow)
    return message


async def publish(room_id: str, frame: dict, *, skip_uid: str | None = None) -> None:
    """Send a frame to every socket in the room, in every process (from async code)."""
    await get_channel_layer().group_send(groups.room_group(room_id), envelope(room_id, frame, skip_uid=skip_uid))


def publish_sync(room_id: str, frame: dict, *, room_write: dict | None = None) -> None:
    """`publish` from a service (a worker thread or a plain sync caller)."""
    async_to_sync(get_channel_layer().group_send)(
        groups.room_group(room_id), envelope(room_id, frame, room_write=room_write)
    )


_ROOM_WRITE_LISTENERS: list = []


def follow_room_writes(listener) -> None:
    """Call `listener(room_id, room_write)` for every message batch stored in a room this process
    holds sockets in, by any process (messaging.services lets the message store keep its copy of
    the room current, so sends from several processes into one room rarely need a read)."""
    if listener not in _ROOM_WRITE_LISTENERS:
        _ROOM_WRITE_LISTENERS.append(listener)


class _RoomOrder:
    """The last seq delivered in a room and message.new envelopes held until their turn."""

    __slots__ = ("held", "last", "timer")

    def __init__(self) -> None:
        self.last: int | None = None
        self.held: dict[int, dict] = {}
        self.timer: asyncio.TimerHandle | None = None


class LocalRooms:
    """The sockets of this process per room, and the one task that reads the process's channel."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.channel: str | None = None
        self.rooms: dict[str, set[Socket]] = {}
        self.subscribed: set[str] = set()  # room groups this process's channel is in
        self.orders: dict[str, _RoomOrder] = {}
        self.lock = asyncio.Lock()  # orders group_add / group_discard (join vs. sweep)
        self.tasks: list[asyncio.Task] = []
        self.last_refresh = time.monotonic()
        self.started: asyncio.Future | None = None

    async def start(self) -> None:
        self.channel = await self.layer.new_channel()
        self.tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._sweep())]

    # --- membership ----------------------------------------------------------------------------

    async def join(self, socket: Socket, room_id: str, *, after_seq: int | None = None) -> None:
        """Register the socket in the room; returns once this process receives the room's frames.

        `after_seq` is the room's last message seq as read when the socket chose its rooms: the first
        frames this process then sees are ordered after it (otherwise whichever came first, say seq 4
        of four racing sends, would set the order and 1-3 would follow it).
        """
        if after_seq is not None and room_id not in self.rooms:
            self.orders.setdefault(room_id, _RoomOrder()).last = after_seq
        self.rooms.setdefault(room_id, set()).add(socket)
        if room_id in self.subscribed:
            return
        async with self.lock:
            if room_id not in self.subscribed:
                await self.layer.group_add(groups.room_group(room_id), self.channel)
                self.subscribed.add(room_id)

    def leave(self, socket: Socket, room_id: str) -> None:
        """From now on the socket gets none of the room's frames (the group is left by the sweep)."""
        members = self.rooms.get(room_id)
        if members is not None:
            members.discard(socket)
            if not members:
                del self.rooms[room_id]
                self.orders.pop(room_id, None)

    def leave_all(self, socket: Socket, room_ids) -> None:
        for room_id in list(room_ids):
            self.leave(socket, room_id)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except Exception:
                logger.warning("room group sweep failed; retrying in %ss", SWEEP_SECONDS, exc_info=True)

    async def sweep(self) -> None:
        """Leave the groups of rooms no local socket is in; re-add the others before they expire."""
        refresh = time.monotonic() - self.last_refresh > getattr(self.layer, "group_expiry", 86400) / 4
        async with self.lock:
            for room_id in list(self.subscribed):
                if not self.rooms.get(room_id):
                    self.subscribed.discard(room_id)
                    await self.layer.group_discard(groups.room_group(room_id), self.channel)
                elif refresh:
                    await self.layer.group_add(groups.room_group(room_id), self.channel)
        if refresh:
            self.last_refresh = time.monotonic()

    # --- delivery ------------------------------------------------------------------------------

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("reading the fan-out channel failed; retrying")
                await asyncio.sleep(0.5)
                continue
            try:
                await self.receive(message)
            except Exception:
                logger.exception("room fan-out of %s failed", message.get("room"))

    async def receive(self, message: dict) -> None:
        """One envelope from the channel layer: deliver it now, or hold it until its seq's turn."""
        if message.get("type") != ENVELOPE:
            return
        room_id = message["room"]
        if message.get("room_write"):
            for listener in _ROOM_WRITE_LISTENERS:
                try:
                    listener(room_id, message["room_write"])
                except Exception:
                    logger.exception("room write listener failed for %s", room_id)
        seq = message.get("seq")
        if seq is None or room_id not in self.rooms:
            await self._deliver(message)
            return
        order = self.orders.get(room_id)
        if order is None:
            order = self.orders[room_id] = _RoomOrder()
        if order.last is not None and seq > order.last + 1:
            order.held[seq] = message
            if order.timer is None:
                order.timer = self.loop.call_later(
                    settings.CHAT_FANOUT_REORDER_SECONDS, lambda: asyncio.ensure_future(self._give_up(room_id))
                )
            return
        order.last = seq if order.last is None else max(order.last, seq)
        await self._deliver(message)
        await self._release(room_id, order)

    async def _release(self, room_id: str, order: _RoomOrder) -> None:
        while order.held and (order.last + 1) in order.held:
            order.last += 1
            await self._deliver(order.held.pop(order.last))
        if not order.held and order.timer is not None:
            order.timer.cancel()
            order.timer = None

    async def _give_up(self, room_id: str) -> None:
        """The missing message's frame was lost: deliver what waited, in order (clients sync the gap)."""
        order = self.orders.get(room_id)
        if order is None:
            return
        order.timer = None
        for seq in sorted(order.held):
            order.last = max(order.last or 0, seq)
            await self._deliver(order.held.pop(seq))

    async def _deliver(self, message: dict) -> None:
        sockets = self.rooms.get(message["room"])
        if not sockets:
            return
        # One ASGI message, shared: daphne only reads it.
        out = {"type": "websocket.send", "text": message["text"]}
        skip = message.get("skip_uid")
        for socket in tuple(sockets):
            if socket.closing or (skip is not None and socket.uid == skip):
                continue
            await socket.deliver(out)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()


# One registry per process (daphne runs one event loop); tests that start loops of their own get a
# fresh one per loop.
_LOCAL: dict[str, LocalRooms] = {}


async def local_rooms(layer) -> LocalRooms:
    """This process's registry (one per event loop and channel layer), started on first use."""
    loop = asyncio.get_running_loop()
    local = _LOCAL.get("current")
    failed = local is not None and local.started.done() and local.started.exception() is not None
    if local is None or failed or local.loop is not loop or local.layer is not layer:
        local = _LOCAL["current"] = LocalRooms(layer)
        local.started = asyncio.ensure_future(local.start())
    await asyncio.shield(local.started)
    return local
