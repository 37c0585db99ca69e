"""waitress, set up the way `serve` runs it in production.

- Limits against slow and greedy clients (`WAITRESS_LIMITS`): idle connections are cheap in
  waitress's event loop, so the connection limit is high and silent ones are closed early; a
  client that dribbles its request (a header line every few seconds: never silent) is closed
  once it has taken `REQUEST_DEADLINE` seconds (nginx's client_header_timeout, Apache's
  mod_reqtimeout; waitress has no such limit of its own).
- Its own error answers (400, 413, 431, 500: given before the app runs) carry our security headers.
- The socket is bound first but listens only once the app is loaded: a busy port fails at once, in
  one line, and a proxy's connection to a replica still loading is refused (it tries the next one)
  rather than left waiting.
"""

from __future__ import annotations

import logging
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.server import create_server as waitress_server
from waitress.task import ErrorTask

from webui import SECURITY_HEADERS, WAITRESS_LIMITS, ops

log = logging.getLogger("budget_search.server")

IDENT = "budget-search"
#: Seconds a client has to send a whole request once it has begun one (headers and body; a GET
#: is a few hundred bytes, and the body limit is 16 KB).
REQUEST_DEADLINE = 20.0


class SecureErrorTask(ErrorTask):
    """waitress's ErrorTask.execute, plus the headers every answer of ours carries."""

    def execute(self) -> None:
        status, headers, body = self.request.error.to_response(self.channel.server.adj.ident)
        self.status = status
        self.response_headers.extend(headers)
        self.response_headers.extend(SECURITY_HEADERS.items())
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    error_task_class = SecureErrorTask
    request_deadline = REQUEST_DEADLINE
    _request_began = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self._request_began = time.monotonic()
        return super().received(data)

    def readable(self) -> bool:
        # the event loop asks every channel at least once a second (asyncore_loop_timeout)
        if self.request is not None and (
            time.monotonic() - self._request_began > self.request_deadline
        ):
            self.will_close = True  # closed by handle_write, as waitress's channel_timeout does
        return super().readable()


def _loading(environ: dict, start_response: Callable) -> Iterable[bytes]:  # pragma: no cover
    """Never answers: the socket does not listen before the real app is set."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"loading"]


class ListenError(Exception):
    """The address cannot be bound or listened on: one line for the operator."""


def bind(host: str, port: int, *, threads: int = 8, request_deadline: float = REQUEST_DEADLINE,
         **limits: Any) -> Any:  # fmt: skip
    """A waitress server bound to host:port, not yet listening (ListenError when the port is
    taken). `limits` are waitress adjustments over `WAITRESS_LIMITS`.
    """
    kw = {**WAITRESS_LIMITS, **limits}
    try:
        # _start=False: bound, not listening (waitress's own switch; `serve` listens)
        server = waitress_server(_loading, host=host, port=port, threads=threads, ident=IDENT,
                                 _start=False, **kw)  # fmt: skip
    except OSError as exc:
        raise ListenError(f"cannot listen on {_shown(host)}:{port}: {exc.strerror or exc} "
                          "(is another server using it? choose another with --port)") from None
    channel = type("Channel", (Channel,), {"request_deadline": request_deadline})
    for s in _listeners(server):
        s.channel_class = channel
    return server


def listen(server: Any, app: Any) -> str:
    """Give a server from `bind` its app and start listening; returns the addresses."""
    where = ", ".join(f"http://{_shown(h)}:{p}/" for h, p in effective_listen(server))
    for s in _listeners(server):
        s.application = app
        try:
            s.accept_connections()
        except OSError as exc:  # another process bound the port too and listened first
            raise ListenError(f"cannot listen on {where}: {exc.strerror or exc}") from None
    return where


def serve(server: Any, app: Any, **announce: Any) -> None:
    """Serve `app` on a server from `bind` until stopped (Ctrl-C or SIGTERM), logging JSON lines
    on stderr; `announce` goes into the start line."""
    ensure_open_files(server.adj.connection_limit + 256)
    ops.configure_logging(sys.stderr)
    # systemd stops with SIGTERM: end as on Ctrl-C (waitress then stops its threads)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    where = listen(server, app)
    log.info("serving on %s", where, extra={"fields": {"event": "start", "listen": where,
                                                       **announce}})  # fmt: skip
    server.run()


def close(server: Any) -> None:
    """Close the sockets and stop the threads of a server from `bind` (idempotent)."""
    server.task_dispatcher.shutdown(timeout=5)
    for s in _listeners(server):
        wasyncore.close_all(s._map)


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _listeners(server: Any) -> list[BaseWSGIServer]:
    if isinstance(server, MultiSocketServer):  # a host name with several addresses
        return [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
    return [server]


def effective_listen(server: Any) -> list[tuple[str, int]]:
    return [(s.effective_host, int(s.effective_port)) for s in _listeners(server)]


def ensure_open_files(needed: int) -> None:
    """Raise this process's soft limit on open files towards `needed` (one per connection, plus
    the index's files), as far as the hard limit allows: a 1024 default would cap connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
