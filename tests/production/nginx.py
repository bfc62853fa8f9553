"""Debian's nginx on loopback with the shipped deploy/nginx/kunskapsbanken.conf, for tests,
the benchmark and the stress scripts.

The shipped file is used as it is, with only the values its "SET:" comments name changed to
local ones (ports, folders, a throw-away certificate), so what is tested is what is deployed.
"""
from __future__ import annotations

import http.client
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.production.servers import ROOT, free_port

NGINX = "/usr/sbin/nginx"
CONF = ROOT / "deploy" / "nginx" / "kunskapsbanken.conf"
SERVER_NAME = "kb.test"
SHIPPED_NAME = "kunskapsbanken.example.se"


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",  # noqa: S607
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def site_config(upstream: int, http_port: int, port: int, folder: Path, *, tls: bool = True,
                ttl: str | None = None) -> str:
    """deploy/nginx/kunskapsbanken.conf with local ports and folders. ``tls=False`` serves
    the site on plain HTTP at ``port`` (for load generators; everything else unchanged)."""
    text = CONF.read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if "[::]" not in line)
    if tls:
        cert, key = _certificate(folder, SERVER_NAME)
        text = text.replace("/etc/ssl/certs/kunskapsbanken.pem", str(cert))
        text = text.replace("/etc/ssl/private/kunskapsbanken.key", str(key))
    else:
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("ssl_"))
    text = re.sub(r"listen 443 ssl( http2)?( default_server)?;",
                  lambda m: f"listen 127.0.0.1:{port}{' ssl' if tls else ''}"
                            f"{(m.group(1) or '') if tls else ''}{m.group(2) or ''};", text)
    text = re.sub(r"listen 80( default_server)?;",
                  lambda m: f"listen 127.0.0.1:{http_port}{m.group(1) or ''};", text)
    text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    text = text.replace("/var/cache/nginx/kunskapsbanken", str(folder / "cache"))
    text = text.replace("/srv/kunskapsbanken/kb/static/", f"{ROOT}/kb/static/")
    text = text.replace(SHIPPED_NAME, SERVER_NAME)
    if ttl:
        text = text.replace("2s;  # the micro-cache TTL", f"{ttl};  # the micro-cache TTL")
    return text


MAIN_CONFIG = """
user root;
daemon off;
worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/kunskapsbanken.conf;
}}
"""


class Nginx:
    """nginx in front of gunicorn at ``upstream`` (a loopback port)."""

    def __init__(self, upstream: int, folder: Path, *, tls: bool = True, workers: int = 1,
                 ttl: str | None = None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.http_port, self.port, self.tls = free_port(), free_port(), tls
        (folder / "kunskapsbanken.conf").write_text(
            site_config(upstream, self.http_port, self.port, folder, tls=tls, ttl=ttl), encoding="utf-8")
        (folder / "nginx.conf").write_text(MAIN_CONFIG.format(folder=folder, workers=workers),
                                           encoding="utf-8")
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{SERVER_NAME}:{self.port}"

    def start(self, timeout: float = 15.0) -> Nginx:
        conf = str(self.folder / "nginx.conf")
        check = subprocess.run([NGINX, "-t", "-q", "-c", conf], capture_output=True, text=True)  # noqa: S603
        if check.returncode:
            raise RuntimeError(f"nginx -t: {check.stderr}")
        self.process = subprocess.Popen([NGINX, "-c", conf], stdout=subprocess.DEVNULL,  # noqa: S603
                                        stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx not listening within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish requests, then exit
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def connection(self, sni: str = SERVER_NAME, timeout: float = 30.0) -> http.client.HTTPConnection:
        """A connection to 127.0.0.1 that names ``sni`` in the TLS handshake."""
        if not self.tls:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        return _Loopback(sni, self.port, timeout=timeout, context=_unverified())

    def get(self, path: str, headers: dict[str, str] | None = None,
            host: str = SERVER_NAME) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = self.connection()
        try:
            conn.request("GET", path, headers={"Host": host, **(headers or {})})
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def handler(self) -> urllib.request.BaseHandler:
        """For a urllib opener (e.g. tests.production.servers.Browser) to reach the site."""
        return _LoopbackHandler(context=_unverified())


def _unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # a throw-away certificate made for this run
    return context


class _Loopback(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, with the site's name in SNI and Host (no DNS needed)."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _LoopbackHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request):
        return self.do_open(_Loopback, req, context=self._context)
