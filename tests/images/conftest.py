"""Images generated with Pillow and a real HTTP server on loopback: no fixtures from the internet."""

from __future__ import annotations

import random
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest
from PIL import Image, ImageDraw, ImageFilter


def photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like RGB picture: a smooth gradient, soft shapes and sensor-like noise, fixed by ``seed``."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize(size).rotate(rng.uniform(0, 360)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        radius = rng.randrange(20, size[0] // 3)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise(size, 12).convert("RGB")
    return Image.blend(image, noise, 0.08)


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` 1-bit pixels; its data holds a single row."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + bytes((width + 7) // 8)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(row))
        + _png_chunk(b"IEND", b"")
    )


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "image/jpeg"
    delay: float = 0.0
    stream_bytes: int = 0  # > 0: send this many bytes chunked, with no Content-Length
    trickle: float = 0.0  # > 0: send the body one byte every this many seconds
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ImageServer:
    """Routes by path, plus what the server saw: request count and the most requests in flight at once."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    streamed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path


def _handler(state: ImageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
            try:
                self._answer(state.routes.get(self.path, Route(status=404, body=b"nope", content_type="text/html")))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up on purpose (byte cap)
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _answer(self, route: Route) -> None:
            time.sleep(route.delay)
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.stream_bytes:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"\xff" * 65536
                for _ in range(route.stream_bytes // len(chunk)):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    state.streamed += len(chunk)
                self.wfile.write(b"0\r\n\r\n")
                return
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if route.trickle:
                for index in range(len(route.body)):
                    self.wfile.write(route.body[index:index + 1])
                    self.wfile.flush()
                    time.sleep(route.trickle)
                return
            self.wfile.write(route.body)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients dropping kept-alive connections (or hanging up past the byte cap) is expected here.
        pass


@pytest.fixture
def image_server() -> Iterator[ImageServer]:
    state = ImageServer()
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def unused_port() -> int:
    """A loopback port with nothing listening on it."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
