"""A "worker process" for test_rate_limit: for each job it builds an app of its own, makes N
failed logins and answers with the status codes.

Run as ``python -m tests.security.limit_worker``; it reads one job a line on stdin (JSON:
database_url, storage_uri, prefix, email, attempts) and answers each with a JSON list of the
HTTP statuses on stdout, until stdin closes. One process serves a module's tests (starting
one costs seconds of imports); each job's app has its own limiter storage and database pool,
as a freshly started worker would.
"""
from __future__ import annotations

import json
import sys
import tempfile


def run(job: dict) -> list[int]:
    from kb import create_app
    from kb.extensions import db

    app = create_app({
        "DATABASE_URL": job["database_url"],
        "INDEX_DIR": tempfile.mkdtemp(prefix="kb-limit-worker-"),
        "RATELIMIT_STORAGE_URI": job["storage_uri"],
        # The storage's prefix, not RATELIMIT_KEY_PREFIX: the one Limiter keeps the key prefix
        # of its first init_app, so every later job of this process would count under it.
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": job["prefix"]},
        "LOGIN_LIMIT_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_ADDRESS": "100 per 15 minutes",
    })
    client = app.test_client()
    codes = [client.post("/login", data={"email": job["email"], "password": "fel lösenord"}).status_code
             for _ in range(job["attempts"])]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # nothing left open on the test's database between jobs
    return codes


def main() -> None:
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
