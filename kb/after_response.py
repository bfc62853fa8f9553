"""Work that follows an answer: the search index sync after an editor's save, the mail of a
password reset. The one who asked does not wait for it (and, for the reset, cannot time it)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Response, after_this_request, current_app


def after_response(work: Callable[[], None]) -> None:
    """Run ``work`` once the current request's answer has been sent: in the WSGI ``close()``
    call, which PEP 3333 requires of every server. With ``WORK_AFTER_RESPONSE`` off (the
    development server, see kb/config.py) it runs now, before the answer."""
    if not current_app.config["WORK_AFTER_RESPONSE"]:
        work()
        return

    @after_this_request
    def call_on_close(response: Response) -> Response:
        response.call_on_close(work)
        return response
