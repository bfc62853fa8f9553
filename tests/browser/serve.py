"""The app for the browser tests, served by a process of its own (:class:`ServedApp`).

    python -m tests.browser.serve CONFIG.json PORT

``CONFIG.json`` is the app's test configuration; PORT 0 picks a free one. Prints the port once
listening, then serves one request at a time (as a gunicorn sync worker does) until SIGTERM.

A process of its own, not a thread of the test process: the test process then runs one thing
at a time (Playwright, or a test's own database work), as in production, where a process
serves one request at a time; and a server that is stopped is gone with all its connections.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]


def main(config_path: str, port: str) -> None:
    from kb import create_app

    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    app = create_app(config)
    server = make_server("127.0.0.1", int(port), app, threaded=False)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    parent = os.getppid()

    def end_with_the_tests() -> None:  # called between requests: no orphan if pytest dies
        if os.getppid() != parent:
            sys.exit(0)
    server.service_actions = end_with_the_tests  # type: ignore[method-assign]
    print(server.server_port, flush=True)
    server.serve_forever()


class ServedApp:
    """The app served by ``tests/browser/serve.py`` in a process of its own, one request at a
    time; :meth:`stop` takes it away with all its connections, :meth:`start` brings it back
    on the same port (so the browser's storage for the origin is the same)."""

    def __init__(self, config: dict, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.config_path = folder / "config.json"
        self.config_path.write_text(json.dumps(config), encoding="utf-8")
        self.log_path = folder / "server.log"
        self.port = 0
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        ready = self.config_path.with_name("port")
        ready.unlink(missing_ok=True)
        with self.log_path.open("ab") as log, ready.open("wb") as port_out:
            self._process = subprocess.Popen(  # noqa: S603 — our own module
                [sys.executable, "-m", "tests.browser.serve", str(self.config_path), str(self.port)],
                cwd=ROOT, stdout=port_out, stderr=log)
        deadline = time.monotonic() + timeout
        while not (text := ready.read_text(encoding="utf-8").strip()):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the browser tests' server did not start:\n" + self.log()[-3000:])
            time.sleep(0.05)
        self.port = int(text.split()[0])

    def stop(self) -> None:
        """Nothing listens on the port any more: connections are refused, as when the server
        or the network is gone."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


if __name__ == "__main__":
    main(*sys.argv[1:])
