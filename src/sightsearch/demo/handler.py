"""The request handler: a fast path over ``BaseHTTPRequestHandler`` for the demo shop's simple GETs.

Benchmarks crawl the shop with SightSearch and Scrapy in the same run, so the server must not be the bottleneck:
headers are parsed without the email package, each response goes out in a single ``sendall`` (status line,
headers and body together), and Nagle is off.
"""

from __future__ import annotations

from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from sightsearch.demo.routes import Response

_MAX_LINE = 65536
_MAX_HEADERS = 100


class _Headers(dict[str, str]):
    """Request headers keyed by lower-case name, with the case-insensitive ``get`` the stdlib code expects."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


class ShopRequestHandler(BaseHTTPRequestHandler):
    """Answers from the server's ``DemoRoutes``; one instance per connection, many requests per instance."""

    protocol_version = "HTTP/1.1"
    server_version = "SightSearchDemo/1.0"
    disable_nagle_algorithm = True
    timeout = 30  # idle keep-alive connections and stalled readers free their thread after this
    server: Any  # the shop server: has ``owner`` (the DemoServer) with ``routes`` and ``count``

    def parse_request(self) -> bool:
        """Parse ordinary HTTP/1.x requests without the stdlib's email parser, which costs ~60% of a request.

        Anything unusual (HTTP/0.9, bad request lines) goes to the stdlib parser, which sends the right errors.
        """
        words = self.raw_requestline.decode("latin-1").rstrip("\r\n").split(" ")
        if len(words) != 3 or words[2] not in ("HTTP/1.1", "HTTP/1.0"):
            return super().parse_request()
        self.requestline = " ".join(words)
        self.command, self.path, self.request_version = words
        headers = _Headers()
        while (line := self.rfile.readline(_MAX_LINE + 1)) not in (b"\r\n", b"\n", b""):
            if len(line) > _MAX_LINE or len(headers) >= _MAX_HEADERS:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
                return False
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        self.headers = headers  # type: ignore[assignment]
        connection = headers.get("connection", "").lower()
        self.close_connection = connection == "close" or (words[2] == "HTTP/1.0" and connection != "keep-alive")
        return True

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a log line per request would cost more than serving the page."""

    def _answer(self, with_body: bool) -> None:
        self.server.owner.count(self.path.split("?", 1)[0])
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        response = self.server.owner.routes.resolve(self.path, host)
        try:
            self._send(response, with_body)
        except (ConnectionError, TimeoutError):
            # The client hung up (e.g. on the endless body): end this connection's thread quietly.
            self.close_connection = True

    def _send(self, response: Response, with_body: bool) -> None:
        head = [f"HTTP/1.1 {response.status} {_phrase(response.status)}", f"Server: {self.server_version}"]
        if response.status not in (204, 304):
            head.append(f"Content-Type: {response.content_type}")
            if response.stream is None:
                head.append(f"Content-Length: {len(response.body)}")
            elif response.length is not None:
                head.append(f"Content-Length: {response.length}")
            else:
                head.append("Transfer-Encoding: chunked")
        head += [f"{name}: {value}" for name, value in response.headers]
        if self.close_connection:
            head.append("Connection: close")
        preamble = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if not with_body:
            self.wfile.write(preamble)
        elif response.stream is None:
            self.wfile.write(preamble + response.body)
        else:
            self.wfile.write(preamble)
            response.stream(self.wfile)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
