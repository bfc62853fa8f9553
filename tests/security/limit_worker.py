"""One "worker process" for test_rate_limit: an app of its own, N failed logins, codes out.

Run as ``python -m tests.security.limit_worker DATABASE_URL STORAGE_URI PREFIX EMAIL N``; prints
the HTTP status of each attempt as JSON.
"""
from __future__ import annotations

import json
import sys
import tempfile


def main(database_url: str, storage_uri: str, prefix: str, email: str, attempts: int) -> None:
    from kb import create_app

    app = create_app({
        "DATABASE_URL": database_url,
        "INDEX_DIR": tempfile.mkdtemp(prefix="kb-limit-worker-"),
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_ADDRESS": "100 per 15 minutes",
    })
    client = app.test_client()
    codes = [client.post("/login", data={"email": email, "password": "fel lösenord"}).status_code
             for _ in range(attempts)]
    print(json.dumps(codes))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
