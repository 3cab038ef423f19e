"""gunicorn around the WSGI app: settings from the SageMaker environment, one loader thread per
worker, and a thread worker whose sockets time out (a client that stalls mid-request is dropped
instead of holding a thread)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.http.errors import NoMoreData
from gunicorn.workers import gthread
from gunicorn.workers.gthread import ThreadWorker

from . import config, model
from .accesslog import AccessLog
from .app import App

log = logging.getLogger("ipre_serve")


class TimedSocket(socket.socket):
    """A client socket whose blocking mode has a deadline (gunicorn's gthread has none)."""

    __slots__ = ()
    read_timeout_s: float = 10.0

    def setblocking(self, flag: bool) -> None:
        if flag:
            self.settimeout(self.read_timeout_s)
        else:
            super().setblocking(False)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            peer = _peer(self)
            log.warning("client %s sent nothing for %gs: connection closed", peer,
                        self.read_timeout_s)  # fmt: skip
            raise NoMoreData() from None


def _peer(sock: socket.socket) -> str:
    try:
        host, port = sock.getpeername()[:2]
        return f"{host}:{port}"
    except OSError:
        return "(gone)"


# gthread lets a thread wait this long for a new connection's first bytes before handing the
# connection back to its poller (5 s upstream): with 4 threads, a few silent connections a second
# would hold every thread. 50 ms keeps threads for clients that are actually sending.
FIRST_BYTES_WAIT_S = 0.05


class IpreWorker(ThreadWorker):
    """gthread worker: bounded threads and connections, timed-out sockets, a loader thread."""

    def init_process(self) -> None:
        gthread.DEFAULT_WORKER_DATA_TIMEOUT = FIRST_BYTES_WAIT_S
        super().init_process()

    def handle(self, conn: Any) -> Any:
        if type(conn.sock) is socket.socket:
            conn.sock.__class__ = TimedSocket
        return super().handle(conn)


def _post_worker_init(worker: Any) -> None:
    """Before the worker accepts: try the export once (heartbeat kept), then a loader thread
    retries a missing source and watches for new exports."""
    app: App = worker.wsgi
    TimedSocket.read_timeout_s = app.settings.read_timeout_s
    if app.access is not None:
        app.access.start()
    # gunicorn numbers workers from 1 as it spawns them: beyond the first set is a replacement.
    app.state.may_exit = worker.age <= worker.cfg.workers
    loading = threading.Event()

    def heartbeat() -> None:  # a long first load must not look like a hung worker
        while not loading.wait(1.0):
            worker.notify()

    threading.Thread(target=heartbeat, name="heartbeat", daemon=True).start()
    try:
        settled = model.first_attempt(app.settings, app.state)
    finally:
        loading.set()
    if app.state.fatal is not None:
        _give_up(app)

    def loader() -> None:
        model.run(app.settings, app.state, threading.Event(), attempted=settled)
        if app.state.fatal is not None:
            _give_up(app)

    threading.Thread(target=loader, name="loader", daemon=True).start()


def _give_up(app: App) -> None:
    log.error("cannot load recommendations: %s", app.state.fatal)
    logging.shutdown()
    # Exit code 3 makes the arbiter stop the whole server: this export never serves.
    os._exit(Arbiter.WORKER_BOOT_ERROR)


def _worker_exit(_server: Any, worker: Any) -> None:
    """In the worker, on its way out: write the access lines still queued."""
    access = getattr(worker.wsgi, "access", None)
    if access is not None:
        access.flush()


def _when_ready(server: Any) -> None:
    for listener in server.LISTENERS:
        host, port = listener.sock.getsockname()[:2]
        log.info("listening on %s:%d (%d workers x %d threads)", host, port,
                 server.cfg.workers, server.cfg.threads)  # fmt: skip


def gunicorn_options(settings: config.Settings) -> dict[str, Any]:
    """The gunicorn settings, all derived from ``settings``."""
    return {
        "bind": [f"{settings.host}:{settings.port}"],
        "worker_class": f"{IpreWorker.__module__}.{IpreWorker.__name__}",
        "workers": settings.workers,
        "threads": settings.threads,
        "worker_connections": settings.max_connections,
        "backlog": 128,
        "timeout": settings.timeout_s,
        "graceful_timeout": settings.graceful_timeout_s,
        "keepalive": settings.keepalive_s,
        "limit_request_line": 4094,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": None,  # the app logs one structured line per request (accesslog.py)
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "ipre-serve",
        "control_socket_disable": True,
        "post_worker_init": _post_worker_init,
        "worker_exit": _worker_exit,
        "when_ready": _when_ready,
    }


class IpreApplication(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: config.Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in gunicorn_options(self.settings).items():
            self.cfg.set(key, value)

    def load(self) -> App:
        settings = self.settings
        access = AccessLog(flush_s=settings.access_log_flush_s) if settings.access_log else None
        return App(settings, access=access)
