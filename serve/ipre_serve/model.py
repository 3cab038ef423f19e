"""What a worker serves: the loaded export, loaded in the background and reloaded when a new
export is published (a new index is built beside the old one and swapped in by one reference
assignment; a load that fails keeps the old one serving)."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from . import config, loader
from .index import RecommendationIndex, build_index
from .parsing import MAX_ID_LENGTH

log = logging.getLogger("ipre_serve")


@dataclass(frozen=True)
class Loaded:
    """One served export: the index, the limit derived from it, and what /info shows."""

    index: RecommendationIndex
    max_batch: int
    info: bytes
    fingerprint: tuple[object, ...] | None


class ModelState:
    """The export being served; ``loaded`` is replaced whole, never mutated."""

    def __init__(self) -> None:
        self.loaded: Loaded | None = None
        # Why the server is not healthy (no export yet, integrity failure), for /ping.
        self.problem: str = "recommendations are not loaded yet"
        self.problem_code: str = "loading"
        self.fatal: str | None = None
        # Whether an unloadable export may stop the server: true for the workers started with
        # it; a replacement worker (after a crash or timeout) must not take its serving
        # siblings down, so it answers 503 and keeps watching instead.
        self.may_exit: bool = True
        # The export's fingerprint just before the last load attempt: a watcher starting after
        # a failed first load compares against it, so a publish that completed while that load
        # was reading (its manifest renamed after our fingerprint) is still picked up.
        self.tried: tuple[object, ...] | None = None


def _limit(settings: config.Settings, index: RecommendationIndex) -> int:
    derived = index.batch_limit(settings.max_response_bytes, MAX_ID_LENGTH)
    return derived if settings.max_batch is None else min(derived, settings.max_batch)


def load(settings: config.Settings) -> Loaded:
    """Read, verify and index the export at ``settings.source`` (raises loader errors)."""
    fingerprint = loader.fingerprint(settings.source)
    export = loader.load_export(settings.source, settings.allow_empty)
    index = build_index(export.table, export.no_recent, export.reorders)
    max_batch = _limit(settings, index)
    info: dict[str, Any] = {
        "source": settings.source,
        "sha256": export.sha256,
        "bytes": export.size,
        "rows": export.table.num_rows,
        "customers": len(index),
        "no_recent_purchases": len(export.no_recent),
        "reorder_reminders": None if export.reorders is None else export.reorders.num_rows,
        "max_batch": max_batch,
        "verified": export.manifest is not None,
        "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "manifest": export.manifest,
    }
    body = json.dumps(info, separators=(",", ":"), default=str).encode()
    return Loaded(index, max_batch, body, fingerprint)


def _describe(loaded: Loaded) -> str:
    info = json.loads(loaded.info)
    manifest = info["manifest"] or {}
    return (
        f"{info['customers']} customers, {info['rows']} rows, sha256 {info['sha256'][:12]}, "
        f"max batch {info['max_batch']}, build {manifest.get('build_id', 'unknown')}"
        + ("" if info["verified"] else " (no manifest: integrity not verified)")
    )


def _reload_failed(state: ModelState, err: Exception) -> None:
    if state.loaded is None:
        state.problem, state.problem_code = f"{type(err).__name__}: {err}", "load_failed"
        log.error("cannot load the new export: %s", err)
    else:
        log.error("reload failed, still serving the previous export: %s", err)


def _try_load(settings: config.Settings, state: ModelState, first: bool) -> bool:
    """One load attempt; True when the caller should stop retrying."""
    started = time.perf_counter()
    state.tried = loader.fingerprint(settings.source)
    try:
        loaded = load(settings)
    except loader.SourceMissing as err:
        if first:
            log.warning("recommendations not available yet (%s); retrying", err)
        else:
            _reload_failed(state, err)
        return False
    except loader.IntegrityError as err:
        if state.loaded is None:
            state.problem, state.problem_code = str(err), "integrity_error"
            log.error("refusing to serve %s: %s", settings.source, err)
        else:
            _reload_failed(state, err)
        return True
    except Exception as err:  # noqa: BLE001 - a broken export must never take the worker down
        if first and state.may_exit:
            state.fatal = f"{type(err).__name__}: {err}"
        else:
            _reload_failed(state, err)
        return True
    state.loaded = loaded  # the swap: one reference assignment
    log.info(
        "%s %s in %.2fs: %s",
        "loaded" if first else "reloaded",
        settings.source,
        time.perf_counter() - started,
        _describe(loaded),
    )
    return True


def first_attempt(settings: config.Settings, state: ModelState) -> bool:
    """One load attempt before the worker accepts connections; False: retry in the background.

    A worker that loads here only starts answering once it has the export, so a /ping 200 from
    one worker never hides a sibling that would still answer 503.
    """
    return _try_load(settings, state, first=True)


def load_with_retry(settings: config.Settings, state: ModelState) -> None:
    """First load: retry while the source is missing, until ``load_timeout_s``."""
    deadline = time.monotonic() + settings.load_timeout_s
    while not _try_load(settings, state, first=True):
        if time.monotonic() >= deadline:
            problem = f"{settings.source}: still missing after {settings.load_timeout_s:g}s"
            if state.may_exit:
                state.fatal = problem
            else:
                state.problem, state.problem_code = problem, "load_failed"
            return
        time.sleep(settings.load_retry_s)


def watch(settings: config.Settings, state: ModelState, stop: threading.Event) -> None:
    """Reload whenever the published export changes (local sources; polled, cheap ``stat``)."""
    seen = state.loaded.fingerprint if state.loaded else state.tried
    while not stop.wait(settings.watch_s):
        current = loader.fingerprint(settings.source)
        if current is None or current == seen:
            continue
        # A publish caught half-way (Parquet renamed, manifest not yet) fails the check; the
        # manifest's rename changes the fingerprint again and the next poll loads both.
        seen = current
        _try_load(settings, state, first=False)


def run(settings: config.Settings, state: ModelState, stop: threading.Event,
        attempted: bool = False) -> None:  # fmt: skip
    """Loader thread of one worker: load (unless ``first_attempt`` settled it), then watch for
    new exports until ``stop``."""
    if not attempted:
        load_with_retry(settings, state)
    if state.fatal is not None:
        return
    if settings.watch_s > 0 and not settings.source.startswith("s3://"):
        watch(settings, state, stop)
