"""A TCP proxy on 127.0.0.1 that a test can switch off and on, to take a database away from
one Kept server without stopping the database server other tests use.

- `stop()`: the database is down. The listener closes (new connections are refused) and
  every open connection is cut.
- `hang()`: the database host stops answering. Open connections are cut; new ones are
  accepted and then get no byte back, as when packets to the host are lost.
- `start()`: the database is back, on the same port.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress

_CHUNK = 65536
_POLL_SECONDS = 0.05


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._hanging = False
        self._accepting: threading.Thread | None = None

    def start(self) -> TcpProxy:
        """Listen (again, on the same port once it has one) and forward every connection."""
        self.stop()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(_POLL_SECONDS)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
            self._hanging = False
        self._accepting = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._accepting.start()
        return self

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self._accepting is not None:
            self._accepting.join(timeout=5)
            self._accepting = None
        self._cut_all()

    def hang(self) -> None:
        with self._lock:
            self._hanging = True
        self._cut_all()

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _track(self, sock: socket.socket) -> bool:
        with self._lock:
            if self._listener is None:
                return False
            self._open.add(sock)
            return True

    def _accept(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            if not self._track(client):
                client.close()
                continue
            with self._lock:
                hanging = self._hanging
            if not hanging:
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        if not self._track(upstream):
            upstream.close()
            client.close()
            return
        threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream)

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                target.sendall(data)
        except OSError:
            pass
        # Either side closing ends both directions; the other thread's recv then returns.
        for sock in (source, target):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._open.discard(sock)
            sock.close()
