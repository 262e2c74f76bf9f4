"""Images and crawler traps of the demo shop: JPEGs, near-duplicates, the bomb, endless bodies, encodings."""

from __future__ import annotations

import io
import socket
import struct
import threading
import time
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image

from sightsearch.demo import DemoServer


def _image(client: httpx.Client, path: str) -> Image.Image:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "JPEG"
    return image


def _thumb(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L").resize((32, 32)), dtype=np.float32)


def test_near_duplicates_look_alike_but_differ_from_other_pictures(server: DemoServer, client: httpx.Client) -> None:
    groups = server.shop.truth()["near_duplicate_groups"]
    for group in groups[:3]:
        images = [_image(client, path) for path in group]
        assert len({(image.size, client.get(path).content) for image, path in zip(images, group)}) == len(group)
        for other in images[1:]:
            assert np.abs(_thumb(images[0]) - _thumb(other)).mean() < 2
    unrelated = [_image(client, group[0]) for group in groups[:4]]
    assert all(np.abs(_thumb(unrelated[0]) - _thumb(other)).mean() > 15 for other in unrelated[1:])


def test_product_images_decode_and_are_distinct(server: DemoServer, client: httpx.Client) -> None:
    products = [p for p in server.shop.truth()["products"] if not p["images"][0].startswith(("/img/bomb", "/img/miss"))]
    bodies = {client.get(p["images"][0]).content for p in products[:5]}
    assert len(bodies) == 5
    assert _image(client, products[0]["images"][0]).size == (320, 320)


def test_image_failures_are_linked_from_their_products(server: DemoServer, client: httpx.Client) -> None:
    for failure in server.shop.truth()["image_failures"]:
        assert failure["image"] in client.get(failure["path"]).text
    missing = [f["image"] for f in server.shop.truth()["image_failures"] if f["reason"] == "404 not found"]
    assert client.get(missing[0]).status_code == 404


def test_bomb_png_is_small_but_declares_huge_dimensions(client: httpx.Client) -> None:
    body = client.get("/img/bomb.png").content
    width, height = struct.unpack(">II", body[16:24])
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and len(body) < 200_000
    assert width * height >= 500_000_000
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(body))


def test_not_an_image_is_html_labelled_jpeg(client: httpx.Client) -> None:
    response = client.get("/img/not-an-image.jpg")
    assert response.headers["Content-Type"] == "image/jpeg" and response.content.startswith(b"<!DOCTYPE html>")


def test_huge_streams_past_the_client_and_survives_a_disconnect(server: DemoServer) -> None:
    threads_before = threading.active_count()
    host, port = urlsplit(server.base_url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /trap/huge HTTP/1.1\r\nHost: x\r\n\r\n")
        received = 0
        while received < 3_000_000:
            received += len(sock.recv(65536))
    deadline = time.monotonic() + 5
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() <= threads_before, "the streaming thread did not exit after the hang-up"
    assert httpx.get(f"{server.base_url}/").status_code == 200


def test_big_page_has_exact_content_length(client: httpx.Client) -> None:
    response = client.get("/trap/big", params={"mb": 2})
    assert int(response.headers["Content-Length"]) == len(response.content) == 2 * 1024 * 1024


def test_redirect_loop_and_chain(client: httpx.Client) -> None:
    first = client.get("/trap/redirect-loop")
    second = client.get(first.headers["Location"])
    assert (first.status_code, second.status_code) == (302, 302)
    assert second.headers["Location"] == "/trap/redirect-loop"
    with pytest.raises(httpx.TooManyRedirects):
        client.get("/trap/redirect-loop", follow_redirects=True)
    chained = client.get("/trap/redirect-chain?n=3", follow_redirects=True)
    assert chained.status_code == 200 and len(chained.history) == 3


def test_non_utf8_pages(server: DemoServer, client: httpx.Client) -> None:
    expected = {t["path"]: t for t in server.shop.truth()["trap_products"]}
    latin1 = client.get("/trap/latin1")
    assert "iso-8859-1" in latin1.headers["Content-Type"]
    assert expected["/trap/latin1"]["title"] in latin1.content.decode("iso-8859-1")
    cp1252 = client.get("/trap/cp1252-noheader")
    assert "charset" not in cp1252.headers["Content-Type"] and b"charset" not in cp1252.content
    with pytest.raises(UnicodeDecodeError):
        cp1252.content.decode("utf-8")
    assert expected["/trap/cp1252-noheader"]["title"] in cp1252.content.decode("cp1252")


def test_slow_and_status_endpoints(client: httpx.Client) -> None:
    started = time.monotonic()
    assert client.get("/slow", params={"ms": 150}).status_code == 200
    assert time.monotonic() - started >= 0.15
    for code in (204, 404, 500, 503):
        assert client.get(f"/status/{code}").status_code == code
    assert client.get("/status/429").headers["Retry-After"] == "1"
