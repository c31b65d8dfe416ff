"""What the running server (daphne) answers to requests that break its own limits."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.live


def raw_get(base_url: str, target: str) -> bytes:
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_very_long_query_string_is_a_414_in_the_error_shape(live_server):
    answer = raw_get(live_server, "/api/v1/courses?q=" + "a" * 70_000)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414")
    assert json.loads(body)["error"]["code"] == "uri_too_long"


def test_an_ordinary_request_still_works_after_it(live_server):
    raw_get(live_server, "/healthz?q=" + "a" * 20_000)
    assert raw_get(live_server, "/healthz").startswith(b"HTTP/1.1 200")
