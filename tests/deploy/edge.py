"""A throwaway NGINX edge on 127.0.0.1 built from deploy/nginx/templates, the way the nginx image renders them.

Used by the TLS smoke test and the ``nginx -t`` check: the same template files the production container renders,
filled with test values (loopback ports, a self-signed certificate made here, local upstreams).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.services.process import stop_process

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "deploy" / "nginx" / "templates"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
DOMAIN = "example.test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        pytest.fail("nginx is missing: apt-get install nginx (Debian's package; the tests start it on 127.0.0.1)")
    return binary


def render_templates(conf_dir: Path, values: dict[str, str]) -> list[Path]:
    """Render every ``*.template`` into ``conf_dir`` (sub-folders kept), like the image's envsubst step.

    Refuses a template that names a variable missing from ``values``: the container would ship it unrendered.
    """
    written = []
    for template in sorted(TEMPLATES.rglob("*.template")):
        text = template.read_text(encoding="utf-8")
        missing = {name for name in PLACEHOLDER.findall(text) if name not in values}
        if missing:
            raise AssertionError(f"{template.name} uses {sorted(missing)} that the renderer was not given")
        target = conf_dir / template.relative_to(TEMPLATES).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(PLACEHOLDER.sub(lambda m: values[m[1]], text), encoding="utf-8")
        written.append(target)
    return written


def self_signed_certificate(folder: Path, domain: str = DOMAIN) -> Path:
    """A one-day certificate for ``domain`` and ``*.domain`` (fullchain.pem + privkey.pem), made with openssl."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={domain}",
         "-addext", f"subjectAltName=DNS:{domain},DNS:*.{domain}",
         "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
        check=True, capture_output=True,
    )
    return folder / "fullchain.pem"


def main_config(prefix: Path) -> str:
    """The nginx.conf around the rendered site (the image ships its own; this one keeps every path in ``prefix``)."""
    # As root nginx would drop its workers to nobody, who cannot enter pytest's private temporary folders.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {prefix / 'tmp' / name};" for name in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {prefix / 'access.log'};
{temp}
    include conf.d/*.conf;
}}
"""


def prepare(prefix: Path, values: dict[str, str]) -> Path:
    """Lay out ``prefix`` (config, temp folders, certificate) and return the main config path."""
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / name).mkdir(parents=True, exist_ok=True)
    render_templates(prefix / "conf.d", values)
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix), encoding="utf-8")
    return config


def edge_values(prefix: Path, *, api: str, flower: str, rate: str = "20r/s", burst: str = "40") -> dict[str, str]:
    """Template values for an edge on free loopback ports; the certificate is made in ``prefix/certs``."""
    certs = prefix / "certs"
    self_signed_certificate(certs)
    console = prefix / "console"
    console.mkdir(exist_ok=True)
    return {"DOMAIN": DOMAIN, "LISTEN_HTTP": f"127.0.0.1:{free_port()}", "LISTEN_HTTPS": f"127.0.0.1:{free_port()}",
            "TLS_CERT_DIR": str(certs), "API_UPSTREAM": api, "FLOWER_UPSTREAM": flower, "API_RATE": rate,
            "API_BURST": burst, "CONSOLE_ROOT": str(console)}


def nginx_test(config: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on ``config``; the result carries nginx's own words."""
    return subprocess.run([nginx_binary(), "-t", "-p", str(config.parent), "-c", str(config)],
                          capture_output=True, text=True, check=False)


@contextmanager
def running_nginx(config: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start nginx in the foreground on ``config``; wait until its HTTPS port accepts; stop it after."""
    process = subprocess.Popen([nginx_binary(), "-p", str(config.parent), "-c", str(config), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    https = re.search(r"listen 127\.0\.0\.1:(\d+) ssl", next(config.parent.glob("conf.d/sightsearch.conf")).read_text())
    try:
        wait_for_port(int(https[1]), process)
        yield process
    finally:
        stop_process(process, grace=10)


def wait_for_port(port: int, process: subprocess.Popen[bytes] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited early: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")
