"""A separate process that writes cases like an editor would: commit, then sync the index.

    python tests/search/worker.py DB_URL INDEX_DIR NAME ROUNDS [crash-after-commit]

Each round creates or changes a case and unpublishes or deletes an older one. With
``crash-after-commit`` the process dies right after its first commit, before the index
hears of it (as if killed between the database and the index write).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    db_url, index_dir, name, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    crash = len(sys.argv) > 5 and sys.argv[5] == "crash-after-commit"
    from kb import create_app, search
    from kb.extensions import db
    from kb.models import Status
    from kb.services.cases import delete_case, find_case, save_case, set_status

    app = create_app({"DATABASE_URL": db_url, "INDEX_DIR": index_dir, "INDEX_LOCK_TIMEOUT": 2.0})
    with app.app_context():
        for i in range(rounds):
            slug = f"{name}-{i}"
            save_case({
                "title": f"Arbetsprov {name} nummer {i}", "slug": slug,
                "summary": f"Process {name} skriver exempel {i} om barnkonsekvensanalys.",
                "organisation": f"{name} kommun", "organisation_type": "kommun",
                "year": 2020, "published": "2021-01-01", "tags": ["prov"], "status": "published",
                "body": "Text om delaktighet.",
            })
            if i % 3 == 2:
                set_status(find_case(f"{name}-{i - 1}"), Status.DRAFT, None)
            if i % 5 == 4:
                delete_case(find_case(f"{name}-{i - 2}"))
            db.session.commit()
            if crash:
                os._exit(9)
            search.sync_index()
            print(f"{slug} done", flush=True)


if __name__ == "__main__":
    main()
