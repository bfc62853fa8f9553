"""Production serving: ``kb serve`` runs gunicorn with ``gunicorn.conf.py``.

The settings live in ``gunicorn.conf.py`` (read from ``KB_*`` variables) so that running
``gunicorn -c gunicorn.conf.py`` directly, e.g. from systemd, behaves the same.
"""
from __future__ import annotations

import faulthandler
import logging
import os
import shutil
import sys
from collections.abc import Mapping
from typing import TextIO

import click
from flask import Flask
from gunicorn import glogging

from kb import ROOT
from kb.logging_setup import TEXT_FORMAT, JsonFormatter, configure_logging, log_format, scrub_tokens

CONFIG_FILE = os.path.join(ROOT, "gunicorn.conf.py")
MAX_DEFAULT_WORKERS = 8
ACCESS_LOG_FORMAT = ('%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" '
                     'id=%({x-request-id}o)s')


def default_workers(cores: int | None = None) -> int:
    """2 × cores + 1, capped: more workers than that only queue on the database."""
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


def startup_problems(env: Mapping[str, str], workers: int,
                     worker_class: str = "sync") -> tuple[list[str], list[str]]:
    """What stops (first list) or should worry (second) an operator starting gunicorn.

    Serving never signs sessions with the development key, with several workers the rate
    limits only hold when the workers share their counters (Redis), and a worker serves one
    request at a time (``worker_class`` as gunicorn resolves it: "gthread" when threads > 1).
    """
    refuse: list[str] = []
    warn: list[str] = []
    if worker_class not in ("sync", "gunicorn.workers.sync.SyncWorker"):
        # Concurrent requests in one process crashed it (SIGSEGV) and broke searches: see
        # IndexStore.exclusive (kb/search/store.py) and scripts/thread_repro.py.
        refuse.append(f"Arbetsprocesser av typen {worker_class} (KB_WORKER_CLASS, KB_THREADS) används inte: "
                      "flera samtidiga förfrågningar i en process kraschade den (SIGSEGV). "
                      "Use sync workers (KB_WORKER_CLASS=sync, KB_THREADS=1) and more KB_WORKERS.")
    dev = env.get("KB_DEV") == "1"
    if not env.get("KB_SECRET_KEY"):
        refuse.append("KB_SECRET_KEY saknas: kb serve använder aldrig utvecklingsnyckeln. "
                      "Set KB_SECRET_KEY (a long random string, the same on every node).")
    if not env.get("KB_BASE_URL") and not dev:
        refuse.append("KB_BASE_URL saknas: webbplatsens adress, t.ex. https://kunskapsbanken.example.se. "
                      "Set KB_BASE_URL; every link and the allowed host name come from it.")
    storage = env.get("KB_RATELIMIT_STORAGE_URI") or "memory://"
    limits_on = (env.get("KB_RATELIMIT_ENABLED") or "true").lower() not in ("false", "0")
    if limits_on and workers > 1 and storage.startswith("memory"):
        message = (f"KB_RATELIMIT_STORAGE_URI={storage} med {workers} arbetsprocesser: varje process "
                   "räknar för sig och spärren mot lösenordsgissning blir {workers} gånger svagare. "
                   "Use shared storage, e.g. KB_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0, "
                   "or KB_WORKERS=1.").replace("{workers}", str(workers))
        (warn if dev else refuse).append(message)
    return refuse, warn


def check_startup(env: Mapping[str, str], workers: int, log: logging.Logger,
                  worker_class: str = "sync") -> None:
    """Log every problem; exit (status 1) when serving would be unsafe."""
    refuse, warn = startup_problems(env, workers, worker_class)
    for message in warn:
        log.warning("VARNING / WARNING: %s", message)
    if refuse:
        for message in refuse:
            log.error("%s", message)
        sys.exit(1)


def warm_up(app: Flask) -> None:
    """Before a new worker takes requests: load what its first search would, so that
    reader does not wait. A failure here only costs that first reader the time."""
    from kb import search

    try:
        with app.app_context():
            search.warm_up()
    except Exception:  # noqa: BLE001 — never stop a worker from booting over a warm-up
        logging.getLogger(__name__).warning("worker warm-up failed", exc_info=True)


def report_crashes(errorlog: str | None) -> None:
    """If this process dies in C code (SIGSEGV, SIGBUS, SIGFPE, SIGABRT, SIGILL), write the
    Python traceback of every thread to the error log first: a crash then says where it was."""
    target: TextIO = sys.stderr
    if errorlog and errorlog != "-":
        target = open(errorlog, "a", encoding="utf-8")  # noqa: SIM115 — faulthandler keeps it open
    faulthandler.enable(file=target, all_threads=True)


class GunicornLogger(glogging.Logger):
    """Gunicorn's logger in our format: JSON lines when ``KB_LOG_FORMAT=json``."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        fmt = log_format()
        configure_logging(fmt)
        if fmt == "json":
            for logger in (self.error_log, self.access_log):
                for handler in logger.handlers:
                    handler.setFormatter(JsonFormatter())
        else:
            for handler in self.error_log.handlers:
                handler.setFormatter(glogging.logging.Formatter(TEXT_FORMAT))

    def atoms(self, resp, req, environ, request_time) -> dict:
        """Gunicorn's access-log fields, with one-time tokens taken out of paths and Referers."""
        found = super().atoms(resp, req, environ, request_time)
        return {k: scrub_tokens(v) if isinstance(v, str) else v for k, v in found.items()}

    def access(self, resp, req, environ, request_time) -> None:
        if log_format() != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "%s %s %s", atoms["m"], atoms["U"], atoms["s"],
            extra={
                "type": "access", "remote": atoms["h"], "method": atoms["m"], "path": atoms["U"],
                "query": atoms["q"], "status": int(atoms["s"]), "bytes": atoms["B"],
                "duration_ms": round(request_time.total_seconds() * 1000, 1),
                "referer": atoms["f"], "user_agent": atoms["a"],
                "request_id": atoms.get("{x-request-id}o", "-"),
            },
        )


@click.command("serve")
@click.option("--bind", "-b", default=None, help="Address:port (default $KB_BIND or 127.0.0.1:8000).")
@click.option("--workers", "-w", type=click.IntRange(1, 64), default=None,
              help=f"Worker processes (default $KB_WORKERS or 2×cores+1, at most {MAX_DEFAULT_WORKERS}).")
def serve_command(bind: str | None, workers: int | None) -> None:
    """Serve with gunicorn (graceful restart: kill -HUP <master pid>)."""
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
    if gunicorn is None:
        raise click.ClickException("gunicorn saknas: installera paketet (pip install gunicorn).")
    if bind:
        os.environ["KB_BIND"] = bind
    if workers:
        os.environ["KB_WORKERS"] = str(workers)
    refuse, _ = startup_problems(os.environ, int(os.environ.get("KB_WORKERS") or default_workers()))
    if refuse:  # gunicorn.conf.py checks again (and warns) for a direct `gunicorn -c`
        raise click.ClickException("\n".join(refuse))
    # A fixed argument list, no shell: gunicorn replaces this process (signals reach it).
    os.execv(gunicorn, [gunicorn, "--config", CONFIG_FILE])  # nosec B606
