"""Upload and download a 50 MB course material through a live daphne; MB/s and the server's peak memory.

    STACK_PORT_OFFSET=500 python scripts/stack.py test -- .venv/bin/python bench/materials.py

The file is a valid ZIP whose one stored member is random bytes (what the type check accepts).
Memory: the server's peak RSS (VmHWM) is reset through /proc/<pid>/clear_refs before each phase, so
each line shows how far that phase alone pushed the process above its resting size. A control line
POSTs the same body to /healthz (which never reads it) to show what daphne and Django's request
reading cost before any code of ours runs. BENCH_MATERIAL_MB changes the size.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import setup_django, start_server

MB = 1024 * 1024
PASSWORD = "bench-pass-1"


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where /proc does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def make_zip(path: Path, size: int) -> str:
    """A ZIP with one stored member of random bytes, written in 1 MB pieces; returns its sha256."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive, archive.open("random.bin", "w") as member:
        left = size
        while left:
            piece = os.urandom(min(MB, left))
            member.write(piece)
            left -= len(piece)
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def post_file(base_url: str, path: str, token: str, file_path: Path) -> tuple[int, bytes, float]:
    """A multipart POST streamed from disk (the client never holds the file either)."""
    host, port = base_url.removeprefix("http://").split(":")
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBench material\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_path.name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + file_path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.perf_counter()
    conn.putrequest("POST", path)
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    conn.send(head)
    with file_path.open("rb") as stream:
        while chunk := stream.read(MB):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, body, elapsed


def get_file(base_url: str, path: str, token: str) -> tuple[int, int, str, float]:
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    digest, received = hashlib.sha256(), 0
    while chunk := response.read(MB):
        digest.update(chunk)
        received += len(chunk)
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, received, digest.hexdigest(), elapsed


def main() -> None:
    setup_django()
    import json

    from authentication import services
    from firestore_operations.client import db
    from tests import emulators

    size = int(os.environ.get("BENCH_MATERIAL_MB", "50")) * MB
    emulators.clear_firestore()
    emulators.clear_auth()
    teacher = services.register_user(
        email="bench-teacher@example.com", password=PASSWORD, display_name="Bench Teacher", role="teacher"
    )
    token = emulators.sign_in("bench-teacher@example.com", PASSWORD)["idToken"]
    course = db().collection("courses").document()
    course.set({"title": "Bench", "teacher_uid": teacher["id"], "teacher_name": "Bench Teacher", "status": "published"})
    materials = f"/api/v1/courses/{course.id}/materials"

    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "warm-up.zip", Path(tmp) / "material.zip"
        make_zip(small, MB)
        digest = make_zip(big, size)
        file_mb = big.stat().st_size / MB
        proc, url = start_server()
        pid = proc.pid
        try:
            # Warm-up: imports, the Storage client, token verification, one full round trip.
            status, body, _ = post_file(url, materials, token, small)
            assert status == 201, body
            get_file(url, json.loads(body)["download_url"], token)

            resettable = reset_peak(pid)
            rest = status_kb(pid, "VmRSS")
            status, body, _ = post_file(url, "/healthz", token, big)
            control_peak = status_kb(pid, "VmHWM") - rest

            reset_peak(pid)
            rest = status_kb(pid, "VmRSS")
            status, body, up_seconds = post_file(url, materials, token, big)
            up_peak = status_kb(pid, "VmHWM") - rest
            assert status == 201, body[:500]
            material = json.loads(body)
            assert material["sha256"] == digest, "sha256 reported by the server differs"

            reset_peak(pid)
            rest = status_kb(pid, "VmRSS")
            status, received, down_digest, down_seconds = get_file(url, material["download_url"], token)
            down_peak = status_kb(pid, "VmHWM") - rest
            assert status == 200 and down_digest == digest, (status, received)
            end_rss = status_kb(pid, "VmRSS")
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    print(f"server: one daphne process (pid {pid}); file {file_mb:.1f} MB (ZIP, one stored random member)")
    print(f"upload   {file_mb / up_seconds:7.1f} MB/s  ({up_seconds:5.2f} s, sha256 matches)")
    print(f"download {file_mb / down_seconds:7.1f} MB/s  ({down_seconds:5.2f} s, sha256 matches)")
    if not resettable:
        print("peak RSS could not be reset (/proc/<pid>/clear_refs refused): growth below is cumulative")
    print("peak RSS growth of the server above its resting RSS, per phase:")
    print(
        f"  control: same body POSTed to /healthz (daphne + Django read it, nothing else): {control_peak / 1024:6.1f} MB"
    )
    print(f"  material upload:                                                             {up_peak / 1024:6.1f} MB")
    print(f"  material download:                                                           {down_peak / 1024:6.1f} MB")
    print(f"  server RSS at the end: {end_rss / 1024:.1f} MB")


if __name__ == "__main__":
    main()
