"""Misbehaving SMTP peers on loopback: one that hangs, and one that drops after DATA.

Both are plain socket servers in a thread (aiosmtpd always answers, so it cannot
play these). The refusing servers (451, 550) are aiosmtpd handlers in
``conftest.py``.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class RawSmtpServer:
    """A tiny SMTP peer: ``hang`` never greets; ``drop_after_data`` takes DATA, then hangs up.

    ``drop_after_data`` answers every command but closes the connection instead
    of the final 250 after the message, the classic "did it arrive?" failure:
    the message is kept in :attr:`received` because a real server could deliver it.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.received: list[bytes] = []
        self.connections = 0
        self.connected = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        self._open: list[socket.socket] = []
        self._closing = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closing:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(conn)
            self.connected.set()
            if self.mode == "drop_after_data":
                threading.Thread(target=self._converse, args=(conn,), daemon=True).start()
            # "hang": keep the socket open and say nothing.

    def _converse(self, conn: socket.socket) -> None:
        file = conn.makefile("rb")
        with contextlib.suppress(OSError):
            conn.sendall(b"220 flaky.example ESMTP\r\n")
            while True:
                line = file.readline()
                if not line:
                    return
                verb = line[:4].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 flaky.example\r\n")
                elif verb == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    body = b""
                    while not body.endswith(b"\r\n.\r\n"):
                        chunk = file.readline()
                        if not chunk:
                            return
                        body += chunk
                    self.received.append(body)
                    conn.shutdown(socket.SHUT_RDWR)
                    conn.close()
                    return
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")

    def stop(self) -> None:
        """Close the listening socket and every connection."""
        self._closing = True
        for sock in (*self._open, self._sock):
            with contextlib.suppress(OSError):
                sock.close()
