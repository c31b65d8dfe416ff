"""A TCP proxy in front of one backend (an emulator, Redis) that a test can take down or freeze.

`up`: bytes flow both ways. `down`: the port refuses connections and open ones are reset, as when
the backend's process dies. `hang`: connections are accepted and open ones kept, but nothing is
forwarded, as when the process is frozen (SIGSTOP) or a network path silently drops packets.
Daphne talks to the real backend through it, so only the fault is simulated, not the backend.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time


class FaultProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.state = "up"
        self._lock = threading.Lock()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._closed = False
        self._start_accepting()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(128)
        return listener

    def _start_accepting(self) -> None:
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed (down or shut)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        try:
            while not self._closed:
                if self.state == "hang":
                    time.sleep(0.05)  # bytes wait in the kernel's buffers, like a frozen process
                    continue
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):  # ValueError: select() on a socket down() just closed
            return
        finally:
            self._drop(client, upstream)

    def _drop(self, client: socket.socket, upstream: socket.socket) -> None:
        with self._lock:
            if (client, upstream) in self._pairs:
                self._pairs.remove((client, upstream))
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                # SO_LINGER 0: a reset, as the kernel sends for a killed process's sockets.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            with contextlib.suppress(OSError):
                sock.close()

    def down(self) -> None:
        self.state = "down"
        # shutdown() first: a bare close() leaves the socket listening while accept() blocks on it.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            pairs = list(self._pairs)
        for client, upstream in pairs:
            self._drop(client, upstream)

    def hang(self) -> None:
        self.state = "hang"

    def up(self) -> None:
        if self.state == "down":
            self._listener = self._listen(self.port)
            self._start_accepting()
        self.state = "up"

    def close(self) -> None:
        self._closed = True
        self.down()
