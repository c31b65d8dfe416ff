"""messaging.fanout in one process on the real InMemory channel layer: encode once, one layer message per
process, local delivery, seq order, leaving. The same paths over real sockets: test_chat_ws.py and
test_chat_redis.py."""

from __future__ import annotations

import asyncio

from channels.layers import InMemoryChannelLayer

from messaging import fanout, groups


class Socket:
    """Stands in for a ChatConsumer: records the ASGI messages the fan-out hands it."""

    def __init__(self, uid: str):
        self.uid = uid
        self.closing = False
        self.received: list[dict] = []

    async def deliver(self, message: dict) -> None:
        self.received.append(message)


def frame(seq: int, room: str = "r1") -> dict:
    return {"type": "message.new", "room": room, "message": {"id": f"m{seq}", "seq": seq, "content": f"hello {seq}"}}


def texts(socket: Socket) -> list[str]:
    return [message["text"] for message in socket.received]


async def settle(layer: InMemoryChannelLayer, local: fanout.LocalRooms) -> None:
    """Until the process's channel is drained and its reader has handled what it took."""
    for _ in range(500):
        queue = layer.channels.get(local.channel)
        if queue is None or queue.empty():
            break
        await asyncio.sleep(0.01)
    for _ in range(10):
        await asyncio.sleep(0)


def run(scenario) -> None:
    async def main():
        layer = InMemoryChannelLayer()
        local = await fanout.local_rooms(layer)
        try:
            await scenario(layer, local)
        finally:
            await local.stop()

    asyncio.run(main())


def test_a_frame_is_encoded_once_and_every_socket_gets_the_same_text(monkeypatch):
    encoded = []
    real_encode = fanout.encode_frame
    monkeypatch.setattr(fanout, "encode_frame", lambda f: encoded.append(f) or real_encode(f))
    sent = []

    async def scenario(layer, local):
        real_group_send = layer.group_send

        async def counting_group_send(group, message):
            sent.append(group)
            await real_group_send(group, message)

        monkeypatch.setattr(layer, "group_send", counting_group_send)
        monkeypatch.setattr(fanout, "get_channel_layer", lambda: layer)
        sockets = [Socket(f"u{n}") for n in range(200)]
        for socket in sockets:
            await local.join(socket, "r1")
        await fanout.publish("r1", frame(1))
        await settle(layer, local)
        assert len(encoded) == 1 and sent == [groups.room_group("r1")]
        assert all(len(socket.received) == 1 for socket in sockets)
        first = sockets[0].received[0]
        assert first == {"type": "websocket.send", "text": fanout.encode_frame(frame(1))}
        # Not equal copies: the very same string (and ASGI message) went to every socket.
        assert all(socket.received[0] is first and socket.received[0]["text"] is first["text"] for socket in sockets)

    run(scenario)


def test_only_sockets_in_the_room_get_it_and_typing_skips_the_typist(monkeypatch):
    async def scenario(layer, local):
        monkeypatch.setattr(fanout, "get_channel_layer", lambda: layer)
        ann, bob, carl = Socket("ann"), Socket("bob"), Socket("carl")
        await local.join(ann, "r1")
        await local.join(bob, "r1")
        await local.join(carl, "r2")
        await fanout.publish("r1", {"type": "typing", "room": "r1", "uid": "ann"}, skip_uid="ann")
        await settle(layer, local)
        assert ann.received == [] and carl.received == []
        assert texts(bob) == ['{"type":"typing","room":"r1","uid":"ann"}']

    run(scenario)


def test_a_socket_that_left_gets_nothing_more_and_the_group_is_left_by_the_sweep(monkeypatch):
    async def scenario(layer, local):
        monkeypatch.setattr(fanout, "get_channel_layer", lambda: layer)
        ann, bob = Socket("ann"), Socket("bob")
        await local.join(ann, "r1")
        await local.join(bob, "r1")
        local.leave(bob, "r1")
        await fanout.publish("r1", frame(1))
        await settle(layer, local)
        assert len(ann.received) == 1 and bob.received == []
        local.leave_all(ann, ["r1"])
        await local.sweep()
        assert groups.room_group("r1") not in layer.groups
        # Coming back re-subscribes the process before join returns.
        await local.join(bob, "r1")
        assert local.channel in layer.groups[groups.room_group("r1")]
        await fanout.publish("r1", frame(2))
        await settle(layer, local)
        assert texts(bob) == [fanout.encode_frame(frame(2))] and len(ann.received) == 1

    run(scenario)


def test_messages_are_delivered_in_seq_order_when_they_arrive_out_of_it(monkeypatch, settings):
    settings.CHAT_FANOUT_REORDER_SECONDS = 5  # longer than the test: the order must come from seq alone

    async def scenario(layer, local):
        ann = Socket("ann")
        await local.join(ann, "r1")
        for seq in (1, 3, 4, 2, 5):
            await local.receive(fanout.envelope("r1", frame(seq)))
        assert texts(ann) == [fanout.encode_frame(frame(seq)) for seq in (1, 2, 3, 4, 5)]

    run(scenario)


def test_the_first_frames_after_joining_are_ordered_from_the_room_s_seq_at_join(settings):
    # Racing sends: seq 4 may reach a process that just joined before 1-3 do (CI saw 4, 1, 3, 2).
    settings.CHAT_FANOUT_REORDER_SECONDS = 5

    async def scenario(layer, local):
        ann, bob = Socket("ann"), Socket("bob")
        await local.join(ann, "r1", after_seq=0)
        await local.join(bob, "r1", after_seq=2)  # a later socket does not move the room's order
        for seq in (4, 1, 3, 2):
            await local.receive(fanout.envelope("r1", frame(seq)))
        assert texts(ann) == [fanout.encode_frame(frame(seq)) for seq in (1, 2, 3, 4)] == texts(bob)

    run(scenario)


def test_a_lost_frame_holds_the_next_ones_only_briefly(monkeypatch, settings):
    settings.CHAT_FANOUT_REORDER_SECONDS = 0.05

    async def scenario(layer, local):
        ann = Socket("ann")
        await local.join(ann, "r1")
        for seq in (1, 3, 4):  # 2 never comes (the layer dropped it; the client syncs the gap)
            await local.receive(fanout.envelope("r1", frame(seq)))
        assert texts(ann) == [fanout.encode_frame(frame(1))]
        await asyncio.sleep(0.2)
        assert texts(ann) == [fanout.encode_frame(frame(seq)) for seq in (1, 3, 4)]
        await local.receive(fanout.envelope("r1", frame(5)))
        assert len(ann.received) == 4

    run(scenario)


def test_a_process_follows_another_ones_message_writes_and_sends_without_reading(admin):
    """Two processes in one test: the message store's copy of the room is swapped to play 'process A'."""
    from cplatform.actor import Actor
    from firestore_operations import chat_messages, metrics
    from messaging import services

    actor = Actor(uid=admin.uid, email=admin.email, role="admin")
    room = services.create_group_room(actor=actor, name="Hall", member_uids=[])

    def store(n: int) -> tuple[dict, bool, dict]:
        return chat_messages.add_message(
            room["id"], sender_uid=admin.uid, client_id=f"c{n}", content=f"m{n}", preview="", check=lambda _: None
        )

    store(1)
    process_a = chat_messages._KNOWN_ROOMS[room["id"]]  # A wrote message 1 and remembers the room
    _, _, after = store(2)  # "process B" writes message 2
    chat_messages._KNOWN_ROOMS[room["id"]] = process_a
    chat_messages.follow_room_write(room["id"], after["write"])  # A hears B's message.new
    with metrics.counting() as counts:
        message, created, _ = store(3)
    assert created and message["seq"] == 3 and counts.reads == 0 and counts.writes == 2

    # A copy that is not exactly the state before the write it hears is forgotten: the next send reads.
    _, _, after = store(4)
    chat_messages._KNOWN_ROOMS[room["id"]] = process_a  # still at message 1: it missed 2, 3 and 4
    chat_messages.follow_room_write(room["id"], after["write"])
    assert room["id"] not in chat_messages._KNOWN_ROOMS
    with metrics.counting() as counts:
        message, created, _ = store(5)
    assert created and message["seq"] == 5 and counts.reads > 0
