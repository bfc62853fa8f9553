"""Forked worker processes for the bulk jobs of the ``kb`` command (``kb import``)."""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Any

from flask import current_app


def worker_count(jobs: int, minimum: int) -> int:
    """How many worker processes a bulk job of ``jobs`` items may use (0: do it here).

    Only where the app allows it (``BULK_WORKERS``: ``kb import``, never a web worker),
    only for jobs of ``minimum`` items or more, and only from a single-threaded process: a
    fork copies just the calling thread. Forked, not spawned, because a spawned worker
    re-runs the caller's main module."""
    if jobs < minimum or not current_app.config["BULK_WORKERS"] or threading.active_count() > 1:
        return 0
    return max(0, min(3, (os.cpu_count() or 1) - 1))


def fork_pool(workers: int, initializer: Callable[..., Any] | None = None,
              initargs: tuple[Any, ...] = ()) -> Pool:
    return multiprocessing.get_context("fork").Pool(workers, initializer, initargs)
