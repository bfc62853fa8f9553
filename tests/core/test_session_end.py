"""A database that goes away after a request's answer is made must not turn that answer
into a bare 500 (make stress saw a committed save's redirect become gunicorn's empty 500
when PostgreSQL stopped between the commit and the end of the request)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from kb import create_app
from kb.extensions import db


def test_an_answer_survives_a_connection_that_dies_before_the_session_ends(database_url, tmp_path):
    # Not the ``app`` fixture: its app context stays pushed, so a request would not end it.
    app = create_app({"DATABASE_URL": database_url, "INDEX_DIR": str(tmp_path / "index"),
                      "SERVER_NAME": "kb.test", "BASE_URL": "http://kb.test"})
    died: list[bool] = []

    def server_went_away(connection) -> None:
        if not died:  # once: the dead connection's ROLLBACK at the end of the request
            died.append(True)
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to "
                                                             "administrator command"))

    def answer_then_lose_the_database() -> tuple[str, int]:
        db.session.execute(sa.text("SELECT 1"))  # a transaction is open on a connection
        event.listen(db.session.connection(), "rollback", server_went_away)
        return "sparat", 200

    app.add_url_rule("/prov/forlorad-anslutning", view_func=answer_then_lose_the_database)
    response = app.test_client().get("/prov/forlorad-anslutning")
    assert died, "the end of the request never rolled back: the test tests nothing"
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "sparat"
    with app.app_context():  # the next request gets a working session
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
