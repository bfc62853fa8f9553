"""Gunicorn settings for Kunskapsbanken (``kb serve`` or ``gunicorn -c gunicorn.conf.py``).

Everything can be set with ``KB_*`` environment variables; see README, section "Drift".
"""
import os

from kb.serving import ACCESS_LOG_FORMAT, check_startup, default_workers, report_crashes, warm_up

wsgi_app = "kb:create_app()"
bind = os.environ.get("KB_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("KB_WORKERS") or default_workers())
# One request per process at a time (sync), behind nginx, which buffers slow clients.
# Anything else (gthread, or threads > 1, which gunicorn turns into gthread) is refused at
# start-up (on_starting, kb.serving.startup_problems): threads crashed workers with SIGSEGV
# and broke searches (Whoosh's readers are not thread-safe, see kb/search/store.py).
worker_class = os.environ.get("KB_WORKER_CLASS", "sync")
threads = int(os.environ.get("KB_THREADS", "1"))
timeout = int(os.environ.get("KB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("KB_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# Recycle workers now and then, so a slow leak can never take a node down. Not too often:
# starting a worker (imports, app, first renders) costs about a second of CPU, so at 5000
# requests restarts cost more than serving cached pages (make bench, "Throughput").
max_requests = int(os.environ.get("KB_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Each worker builds its own app (and database pool) after the fork.
preload_app = False
proc_name = "kunskapsbanken"
logger_class = "kb.serving.GunicornLogger"
accesslog = os.environ.get("KB_ACCESS_LOG", "-") or None
access_log_format = ACCESS_LOG_FORMAT
errorlog = os.environ.get("KB_ERROR_LOG", "-")
loglevel = os.environ.get("KB_LOG_LEVEL", "info").lower()
# X-Forwarded-* is trusted only from these addresses (nginx on the same machine by default).
forwarded_allow_ips = os.environ.get("KB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Signals (HUP: graceful reload, TERM: graceful stop) are the control interface.
control_socket_disable = True


def on_starting(server):
    """Refuse to serve with a development key, without KB_BASE_URL, with per-process rate
    limits in several workers, or with threaded workers (README "Drift", SECURITY.md)."""
    check_startup(os.environ, server.cfg.workers, server.log.error_log, server.cfg.worker_class_str)


def post_worker_init(worker):
    """A new worker reads the word list and the index before its first request (~1 s at
    100,000 cases), not during it."""
    warm_up(worker.wsgi)


def post_fork(server, worker):
    """A worker that crashes in C code leaves every thread's Python traceback in the error log."""
    report_crashes(errorlog)
