"""Process lifecycle: gunicorn's arbiter binds, forks the workers (each loads the export in
the background so /ping can say 503 meanwhile) and stops gracefully on SIGTERM."""

from __future__ import annotations

import logging
import sys

from . import config

log = logging.getLogger("ipre_serve")


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM; 0 on a clean stop, 1 if the recommendations never loaded.

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
    from .gunicorn_app import IpreApplication  # gunicorn only once we really serve

    settings = config.from_env()
    log.info("serving %s with gunicorn", settings.source)
    try:
        IpreApplication(settings).run()
    except SystemExit as stop:  # the arbiter exits 3 when a worker could not load the export
        code = stop.code if isinstance(stop.code, int) else 1
        return 0 if code == 0 else 1
    return 0
