"""Process lifecycle: bind first (so /ping can say 503), load in the background, stop on SIGTERM."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from . import config
from .server import IpreServer, ModelState, load_with_retry

log = logging.getLogger("ipre_serve")


def _stop_soon(server: IpreServer) -> None:
    # shutdown() waits for serve_forever() to return, so it must run off the serving thread.
    threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()


def _load_then_maybe_stop(settings: config.Settings, state: ModelState, server: IpreServer) -> None:
    load_with_retry(settings, state)
    if state.failed is not None:
        log.error("cannot load recommendations: %s", state.failed)
        _stop_soon(server)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; 0 on a clean stop, 1 if the recommendations never loaded.

    SageMaker starts the container as ``docker run <image> serve``; any other mode (``train``)
    is not something this image does.
    """
    args = list(argv or [])
    if args and args != ["serve"]:
        print(f"usage: serve  (got {' '.join(args)!r}: this image only serves)", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = config.from_env()
    state = ModelState()
    server = IpreServer(settings, state)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: _stop_soon(server))
    threading.Thread(
        target=_load_then_maybe_stop, args=(settings, state, server), name="loader", daemon=True
    ).start()
    log.info(
        "listening on %s:%d, loading %s", settings.host, server.server_address[1], settings.source
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    log.info("stopped")
    return 1 if state.failed is not None else 0
