"""Work that follows an answer: the search index sync after an editor's save, the mail of a
password reset. The one who asked does not wait for it (and, for the reset, cannot time it)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Response, after_this_request, request

# werkzeug's development server (`make run`, the browser tests) skips the WSGI close() call
# when the browser resets the connection after the answer, as Chromium does after a POST
# answered with a redirect (werkzeug/serving.py, run_wsgi: the read in its `finally` raises
# before close()). A publish then stayed out of the search until the next save. On that
# server the work is done before the answer; gunicorn, which production uses, always calls
# close(). Decided by the server that answers, not by a setting that could be left wrong.
CLOSE_MAY_BE_SKIPPED = ("Werkzeug/",)


def after_response(work: Callable[[], None]) -> None:
    """Run ``work`` once the current request's answer has been sent: in the WSGI ``close()``
    call, which PEP 3333 requires of every server; now, on a server known to skip it."""
    if request.environ.get("SERVER_SOFTWARE", "").startswith(CLOSE_MAY_BE_SKIPPED):
        work()
        return

    @after_this_request
    def call_on_close(response: Response) -> Response:
        response.call_on_close(work)
        return response
