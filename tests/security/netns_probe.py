"""Run inside a private network namespace (``unshare -n -m``): a "public" host on a loopback alias, an internal
service on 127.0.0.1, and a DNS server that answers a name with the public address first and 127.0.0.1 after
(DNS rebinding). Each scenario attacks the guarded paths and prints what reached the internal service, as JSON.

Started by tests/security/test_ssrf_netns.py; never run outside a throwaway namespace (it binds ports 53 and 80
and mounts over /etc/resolv.conf).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dnslib import QTYPE, RR, A, DNSRecord
from dnslib.server import BaseResolver, DNSServer

PUBLIC = "93.184.216.34"  # a global address, living only on this namespace's loopback
INTERNAL_HITS: list[str] = []
PUBLIC_HITS: list[str] = []


class RebindingResolver(BaseResolver):
    """``rebind.test``: the public address on the first A query, 127.0.0.1 on every later one.
    ``public.test``: always the public address."""

    def __init__(self) -> None:
        self.asked = 0

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".")
        if request.q.qtype == QTYPE.A and name in {"rebind.test", "public.test"}:
            if name == "rebind.test":
                self.asked += 1
            address = PUBLIC if name == "public.test" or self.asked == 1 else "127.0.0.1"
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(address), ttl=0))
        return reply


def handler(hits: list[str], routes: dict[str, tuple[int, dict[str, str], str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            status, headers, body = routes.get(self.path, (200, {}, "<html><h1>Internal admin</h1>"
                                                                    "<p>Price: $9.99 SKU: SECRET-1</p></html>"))
            data = body.encode()
            self.send_response(status)
            for name, value in {"Content-Type": "text/html", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def serve(address: str, hits: list[str], routes: dict[str, tuple[int, dict[str, str], str]]) -> None:
    server = ThreadingHTTPServer((address, 80), handler(hits, routes))
    threading.Thread(target=server.serve_forever, daemon=True).start()


def set_up_network() -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "add", f"{PUBLIC}/32", "dev", "lo"], check=True)
    resolv = Path(tempfile.mkdtemp()) / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions attempts:1 timeout:1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    DNSServer(RebindingResolver(), port=53, address="127.0.0.1").start_thread()
    serve("127.0.0.1", INTERNAL_HITS, {})
    public_page = "<html><h1>Garden chair</h1><p class='price'>$25.00</p><button>Add to cart</button></html>"
    serve(PUBLIC, PUBLIC_HITS, {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nAllow: /\n"),
        "/p/chair": (200, {}, public_page),
        "/p/moved": (302, {"Location": "http://127.0.0.1/admin"}, ""),
    })


async def rebinding_crawl(tmp: Path) -> dict[str, Any]:
    """An API-style (guarded) crawl of a name that rebinds to 127.0.0.1 between the check and the connection."""
    from sightsearch.config import Settings
    from sightsearch.crawl.ssrf import url_guard
    from sightsearch.runner import EmbeddedRun

    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'rebind.db'}", data_dir=tmp / "state",
                        max_retries=0, download_images=False, render="never")
    summary = await EmbeddedRun(settings, max_pages=5, url_guard=url_guard()).execute(["http://rebind.test/p/chair"])
    return {"status": summary.status, "loaded": summary.counts.get("loaded", 0), "error": summary.error}


async def api_replay(tmp: Path) -> dict[str, Any]:
    """A dead letter whose page now redirects to 127.0.0.1, replayed through the API: refused, nothing stored."""
    import httpx

    from sightsearch.api import create_app
    from sightsearch.api.keys import create_api_key
    from sightsearch.config import Settings
    from sightsearch.storage.db import create_db_engine, session_scope, upgrade_schema
    from sightsearch.storage.deadletters import add_dead_letters
    from sightsearch.storage.models import Product

    engine = create_db_engine(f"sqlite:///{tmp / 'replay.db'}")
    upgrade_schema(engine)
    with session_scope(engine) as session:
        add_dead_letters(session, "run-0", [("fetch", "HTTP 503", {"url": "http://public.test/p/moved"})])
        key = create_api_key(session, "probe")[1]
    app = create_app(Settings(_env_file=None, data_dir=tmp / "state"), engine=engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as api:
        response = await api.post("/api/v1/failures/1/replay", headers={"X-API-Key": key})
    with session_scope(engine) as session:
        stored = session.query(Product).count()
    return {"status_code": response.status_code, "body": response.json(), "products": stored}


def main() -> None:
    set_up_network()
    tmp = Path(tempfile.mkdtemp())
    scenario = {"rebinding": rebinding_crawl, "replay": api_replay}[sys.argv[1]]
    result = asyncio.run(scenario(tmp))
    print(json.dumps({**result, "internal_hits": INTERNAL_HITS, "public_hits": PUBLIC_HITS}))


if __name__ == "__main__":
    main()
