"""Chat fan-out: N sockets in one room, a bounded stream of messages; delivery latency, loss, order, cost.

    STACK_PORT_OFFSET=600 .venv/bin/python scripts/stack.py test -- .venv/bin/python bench/chat_fanout.py

Creates BENCH_SOCKETS (200) users in the Auth emulator and one group room with all of them, connects
one authenticated socket per user, then sends messages for BENCH_SECONDS (10) at each of BENCH_RATES
(5 and 20) per second through the sockets (senders rotate, so no one hits the per-user send limit).
Every socket should receive every message (message.new), in seq order. Server set-ups, each run at
every rate: one daphne process on the InMemory layer; one on Redis (layer + cache); two daphne
processes on one Redis with the sockets split between them (alternately; senders on both). The same
clients then run against a bare `websockets` broadcast server (no auth, no storage, a separate
process) at the same rates: the baseline. Latency = from the sender's send() to a receiver's
arrival, one sample per (message, socket), all on one clock (the sockets live in this process).
Firestore writes per message come from the X-Firestore-* counting headers of REST sends (the same
post_message service as the socket) into the big room and into a 2-member room.
Each server set-up first gets a 2 s warm-up at 10 messages/s that is not measured.
Bounded: fixed message count, a 30 s delivery deadline per run; 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import setup_django, start_server

SOCKETS = int(os.environ.get("BENCH_SOCKETS", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
RATES = [float(rate) for rate in os.environ.get("BENCH_RATES", "5,20").split(",")]
TARGET_P99_RATIO = 3.0
DEADLINE_SECONDS = 30.0
PASSWORD = "bench-pass-1"


# --- the baseline: a bare broadcast server ----------------------------------------------------------


async def _baseline_server(port: int) -> None:
    from websockets.asyncio.server import broadcast, serve

    clients = set()

    async def handler(ws):
        clients.add(ws)
        try:
            async for message in ws:
                broadcast(clients, message)
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, max_size=2**16):
        print("ready", flush=True)
        await asyncio.Future()


def start_baseline() -> tuple[subprocess.Popen, str]:
    from tests.conftest import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--baseline-server", str(port)], stdout=subprocess.PIPE, text=True
    )
    if proc.stdout.readline().strip() != "ready":
        proc.kill()
        raise RuntimeError("the baseline server did not start")
    return proc, f"ws://127.0.0.1:{port}"


def start_redis() -> tuple[subprocess.Popen, str]:
    """A throw-away redis-server for the production-like run (REDIS_URL: channels_redis + cache)."""
    import redis

    from tests.conftest import free_port

    binary = "/usr/bin/redis-server"
    if not os.path.exists(binary):
        raise SystemExit("redis-server is missing (expected /usr/bin/redis-server); see scripts/system-packages.sh")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- set-up on the emulators ---------------------------------------------------------------------------


def create_users(count: int) -> list[dict]:
    """`count` students with ID tokens, created concurrently (the emulator handles it)."""
    from authentication import services
    from tests import emulators

    def make(n: int) -> dict:
        email = f"bench{n:04d}@example.com"
        profile = services.register_user(email=email, password=PASSWORD, display_name=f"Bench {n}", role="student")
        return {"uid": profile["id"], "token": emulators.sign_in(email, PASSWORD)["idToken"]}

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(make, range(count)))


def create_rooms(users: list[dict]) -> tuple[dict, str, str]:
    """An admin, the big group room (admin + every user) and a 2-member room (admin + one user)."""
    from authentication import services as account_services
    from cplatform.actor import Actor
    from messaging import services
    from tests import emulators

    profile = account_services.create_admin(email="bench-admin@example.com", password=PASSWORD, display_name="Admin")
    admin = {"uid": profile["id"], "token": emulators.sign_in("bench-admin@example.com", PASSWORD)["idToken"]}
    actor = Actor(uid=admin["uid"], email="bench-admin@example.com", role="admin")
    big = services.create_group_room(actor=actor, name="Bench hall", member_uids=[u["uid"] for u in users])
    small = services.create_group_room(actor=actor, name="Bench pair", member_uids=[users[0]["uid"]])
    return admin, big["id"], small["id"]


def rest_cost(base_url: str, token: str, room_id: str, sends: int = 5) -> dict:
    """Mean X-Firestore-* of `sends` REST sends into the room."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    totals = {"writes": 0, "reads": 0, "queries": 0}
    for n in range(sends):
        body = json.dumps({"content": f"cost probe {n}", "client_id": f"probe-{room_id}-{n}"})
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request("POST", f"/api/v1/chat/rooms/{room_id}/messages", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 201:
            raise RuntimeError(f"REST send answered {response.status}")
        for key in totals:
            totals[key] += int(response.getheader(f"X-Firestore-{key.title()}"))
    conn.close()
    return {key: value / sends for key, value in totals.items()}


# --- the measurement -------------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    rate: float
    sent_at: dict[str, float] = field(default_factory=dict)
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    acked_at: dict[str, float] = field(default_factory=dict)
    out_of_order: int = 0  # arrivals whose seq (baseline: send number) is not above the socket's last
    connect_seconds: float = 0.0

    @property
    def expected(self) -> int:
        return len(self.sent_at) * SOCKETS

    @property
    def latencies_ms(self) -> list[float]:
        return sorted(
            (arrived - self.sent_at[key]) * 1000
            for key, times in self.arrivals.items()
            if key in self.sent_at
            for arrived in times
        )

    @staticmethod
    def percentile(data: list[float], p: float) -> float:
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))] if data else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(self.latencies_ms, 99)

    def line(self, baseline: Run | None = None) -> str:
        latencies = self.latencies_ms
        delivered = len(latencies)
        if not latencies:
            return f"  {self.name:<44} delivered 0/{self.expected}"
        line = (
            f"  {self.name:<44} delivered {delivered}/{self.expected}{'' if delivered == self.expected else ' (LOSS)'}"
            f"  out of order {self.out_of_order}   p50 {self.percentile(latencies, 50):6.1f} ms"
            f"   p99 {self.percentile(latencies, 99):6.1f} ms   max {latencies[-1]:6.1f} ms"
            f"   mean {statistics.fmean(latencies):6.1f} ms"
        )
        if baseline is not None and baseline.latencies_ms:
            ratio = self.p99 / baseline.p99
            line += f"   p99 = {ratio:.1f}x bare ({'within' if ratio <= TARGET_P99_RATIO else 'MISSES'} 3x)"
        acks = sorted((self.acked_at[key] - self.sent_at[key]) * 1000 for key in self.acked_at if key in self.sent_at)
        if acks:
            line += (
                f"\n  {'':<44} send->ack (stored in Firestore): p50 {self.percentile(acks, 50):.1f} ms, "
                f"p99 {self.percentile(acks, 99):.1f} ms"
            )
        return line


async def run_clients(
    name: str, urls: list[str], tokens: list[str | None], room: str, tag: str, rate: float, seconds: float = SECONDS
) -> Run:
    """Socket i connects to urls[i % len(urls)]; messages go out at `rate` per second for `seconds`."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    messages = max(1, round(rate * seconds))
    run = Run(name=name, rate=rate)
    done = asyncio.Event()
    received = [0]

    async def open_socket(index: int, token: str | None):
        ws = await connect(urls[index % len(urls)], max_size=2**20, open_timeout=30)
        if token:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            while json.loads(await ws.recv()).get("type") != "auth.ok":
                pass
        return ws

    async def reader(ws):
        with contextlib.suppress(ConnectionClosed):  # counted as missing deliveries
            await read_frames(ws)

    async def read_frames(ws):
        last = -1
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "ack":
                run.acked_at[frame["message"]["content"]] = time.perf_counter()
            elif frame.get("type") == "message.new":
                arrived = time.perf_counter()
                content = frame["message"]["content"]
                run.arrivals.setdefault(content, []).append(arrived)
                # Our frames carry the room's seq; the baseline's, the send number.
                number = frame["message"].get("seq") or int(content.rsplit("-", 1)[1])
                if number <= last:
                    run.out_of_order += 1
                last = max(last, number)
                received[0] += 1
                if received[0] >= messages * SOCKETS:
                    done.set()

    started = time.perf_counter()
    limiter = asyncio.Semaphore(50)

    async def limited(index, token):
        async with limiter:
            return await open_socket(index, token)

    sockets = await asyncio.gather(*(limited(index, token) for index, token in enumerate(tokens)))
    run.connect_seconds = time.perf_counter() - started
    readers = [asyncio.create_task(reader(ws)) for ws in sockets]
    await asyncio.sleep(0.5)  # let every socket settle into its groups

    begin = time.perf_counter()
    for n in range(messages):
        await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
        content = f"{tag}-{n}"
        if tokens[0] is None:  # the baseline relays the frame as it is
            frame = {"type": "message.new", "message": {"content": content}}
        else:
            frame = {"type": "message.send", "room": room, "content": content, "client_id": content}
        run.sent_at[content] = time.perf_counter()
        await sockets[n % len(sockets)].send(json.dumps(frame))
    with contextlib.suppress(TimeoutError):  # a short count is reported, not hidden
        await asyncio.wait_for(done.wait(), timeout=DEADLINE_SECONDS)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return run


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://") + "/ws/"


def main() -> None:
    setup_django()
    import redis

    from tests import emulators

    emulators.clear_firestore()
    emulators.clear_auth()
    started = time.perf_counter()
    users = create_users(SOCKETS)
    admin, big_room, small_room = create_rooms(users)
    setup_seconds = time.perf_counter() - started
    tokens = [u["token"] for u in users]

    print(
        f"chat fan-out: {SOCKETS} sockets in one group room ({SOCKETS + 1} members); at each of "
        f"{', '.join(f'{rate:g}' for rate in RATES)} messages/s for {SECONDS:g} s, sent through the sockets by "
        "rotating senders; every socket should get every message, in order"
    )
    print(f"setup: {SOCKETS} Auth-emulator users + room in {setup_seconds:.1f} s")

    # The baseline first, so each line can be printed with its ratio as soon as its run ends.
    baselines: dict[float, Run] = {}
    baseline_proc, baseline_url = start_baseline()
    try:
        for rate in RATES:
            name = "bare websockets broadcast (baseline)"
            baselines[rate] = asyncio.run(
                run_clients(name, [baseline_url], [None] * SOCKETS, "", f"base{rate:g}", rate)
            )
            print(f"{rate:g}/s " + baselines[rate].line().strip(), flush=True)
    finally:
        stop(baseline_proc)

    runs: dict[float, list[Run]] = {rate: [] for rate in RATES}
    redis_proc, redis_url = start_redis()
    try:
        for tag, label, env, processes in (
            ("mem", "InMemory layer, 1 process", {}, 1),
            ("redis", "Redis layer + cache, 1 process", {"REDIS_URL": redis_url}, 1),
            ("split", "Redis, 2 processes (sockets split)", {"REDIS_URL": redis_url}, 2),
        ):
            redis.Redis.from_url(redis_url).flushall()  # no groups left over from the previous set-up
            servers = [start_server(env) for _ in range(processes)]
            urls = [ws_url(base_url) for _, base_url in servers]
            try:
                # Not measured: the first sends of a fresh process (imports, gRPC channels, the
                # emulator's JIT) would otherwise land in the first rate's figures only.
                asyncio.run(run_clients("warm-up", urls, tokens, big_room, f"{tag}warm", 10, seconds=2))
                for rate in RATES:
                    name = f"cplatform /ws/, {label}"
                    run = asyncio.run(run_clients(name, urls, tokens, big_room, f"{tag}{rate:g}", rate))
                    runs[rate].append(run)
                    print(f"{rate:g}/s " + run.line(baselines[rate]).strip(), flush=True)
                if tag == "mem":
                    big_cost = rest_cost(servers[0][1], admin["token"], big_room)
                    small_cost = rest_cost(servers[0][1], admin["token"], small_room)
            finally:
                for proc, _ in servers:
                    stop(proc)
    finally:
        stop(redis_proc)

    print("\nsummary")
    for rate in RATES:
        print(f"\n{rate:g} messages/s ({max(1, round(rate * SECONDS))} messages x {SOCKETS} sockets):")
        for run in runs[rate]:
            print(run.line(baselines[rate]))
        print(baselines[rate].line())
    print(
        "\nsockets connected+authenticated in "
        + ", ".join(f"{run.connect_seconds:.1f} s" for rate in RATES for run in runs[rate])
        + " (baseline "
        + ", ".join(f"{baselines[rate].connect_seconds:.1f} s" for rate in RATES)
        + ")"
    )
    print(
        f"Firestore per message (REST send, X-Firestore-*): {SOCKETS + 1}-member room writes {big_cost['writes']:.1f} "
        f"reads {big_cost['reads']:.1f} queries {big_cost['queries']:.1f}; 2-member room writes "
        f"{small_cost['writes']:.1f} reads {small_cost['reads']:.1f} queries {small_cost['queries']:.1f}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--baseline-server":
        asyncio.run(_baseline_server(int(sys.argv[2])))
    else:
        main()
