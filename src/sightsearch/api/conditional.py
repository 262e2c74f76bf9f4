"""Conditional requests and a bounded in-process cache for the product listing and detail.

Every 200 answer of a cacheable GET carries an ``ETag`` (a hash of its bytes) and ``Cache-Control: no-cache``
(clients may keep it but must ask again); a request whose ``If-None-Match`` names the current tag gets
``304 Not Modified`` without a body. Answers are also kept in memory (``api_response_cache_mb``), keyed by path and
normalised query and tagged with the store generation (``api/generation.py``) read *before* they were computed: one
is served only while that generation is still the current one, so any commit to the store (a crawl, a load, a
revoked key) retires every kept answer at once.

When reads need an API key, a kept answer goes only to a request whose key the route itself accepted under the
current generation; any other request (no key, an unknown or a revoked one) takes the normal path and gets its 401
there. Pure ASGI, inside the Host and cross-site guard and the request metrics, so both still see every request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sightsearch.api.cache import Answer, CachedAnswers, etag_matches, etag_of
from sightsearch.api.generation import StoreGeneration
from sightsearch.api.keys import hash_key
from sightsearch.api.telemetry import HttpMetrics

__all__ = ["CACHEABLE_PATHS", "ConditionalCache"]

# The paths of the routes /api/v1/products and /api/v1/products/{product_id}.
CACHEABLE_PATHS = re.compile(r"/api/v1/products(?:/[0-9]{1,19})?")
MAX_KEYS = 1024  # accepted API keys remembered at a time
_KEEP_HEADERS = (b"etag", b"cache-control")  # what a 304 repeats of the 200 it stands for


class ConditionalCache:
    """ETags, 304s and kept answers for ``CACHEABLE_PATHS``; every other request goes straight to ``app``."""

    def __init__(self, app: ASGIApp, *, generation: Callable[[], StoreGeneration | None], max_bytes: int,
                 key_required: bool, metrics: HttpMetrics,
                 on_new_generation: Callable[[], None] = lambda: None) -> None:
        """``generation()`` gives the store's generation reader (None: nothing is kept, ETags still work);
        ``key_required``: reads need an API key; ``metrics`` counts hits and misses; ``on_new_generation`` runs
        when a commit to the store is seen."""
        self.app, self._generation, self.key_required, self.metrics = app, generation, key_required, metrics
        self.answers = CachedAnswers(max_bytes)
        self.on_new_generation = on_new_generation
        self.cache_control = [(b"cache-control", b"private, no-cache" if key_required else b"no-cache")]
        self._accepted_keys: dict[str, object] = {}  # key hash -> generation under which the route accepted it
        self._last_generation: object = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not CACHEABLE_PATHS.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = _request_headers(scope)
        generation = await self._current_generation()
        key = (scope["path"], *_normalised_query(scope["query_string"]))
        if generation is not None and self._may_serve(headers, generation):
            answer = self.answers.get(key, generation)
            if answer is not None:
                scope["route"] = answer.route  # for the request metrics, as the router would have set it
                self.metrics.hits.inc()
                await _send_answer(answer.headers, answer.body, answer.etag, headers, send)
                return
        self.metrics.misses.inc()
        await self._compute(scope, receive, send, headers, key, generation)

    async def _current_generation(self) -> object:
        reader = self._generation() if self.answers.max_bytes else None
        if reader is None:
            return None
        generation = await reader.current()
        if generation != self._last_generation:
            self._last_generation = generation
            self.answers.clear()
            self._accepted_keys.clear()
            self.on_new_generation()
        return generation

    def _may_serve(self, headers: dict[bytes, bytes], generation: object) -> bool:
        if not self.key_required:
            return True
        clear = headers.get(b"x-api-key")
        return clear is not None and self._accepted_keys.get(_key_hash(clear)) == generation

    async def _compute(self, scope: Scope, receive: Receive, send: Send, headers: dict[bytes, bytes],
                       key: tuple[str, ...], generation: object) -> None:
        """Run the route; a 200 is held until its body is complete, tagged, then sent (or a 304) and kept."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def holding_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] == 200:
                start = message
            elif start is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._finish(scope, start, b"".join(chunks), headers, key, generation, send)
            else:
                await send(message)

        await self.app(scope, receive, holding_send)

    async def _finish(self, scope: Scope, start: Message, body: bytes, headers: dict[bytes, bytes],
                      key: tuple[str, ...], generation: object, send: Send) -> None:
        etag = etag_of(body)
        response_headers = [*start.get("headers", ()), (b"etag", etag), *self.cache_control]
        await _send_answer(response_headers, body, etag, headers, send)
        if generation is None:
            return
        if self.key_required and (clear := headers.get(b"x-api-key")) is not None:
            if len(self._accepted_keys) >= MAX_KEYS:
                self._accepted_keys.clear()
            self._accepted_keys[_key_hash(clear)] = generation  # the route's access check let this key in
        self.answers.put(key, Answer(response_headers, body, etag, scope.get("route"), generation))


async def _send_answer(response_headers: list[tuple[bytes, bytes]], body: bytes, etag: bytes,
                       request_headers: dict[bytes, bytes], send: Send) -> None:
    if_none_match = request_headers.get(b"if-none-match")
    if if_none_match is not None and etag_matches(if_none_match, etag):
        kept = [(name, value) for name, value in response_headers if name in _KEEP_HEADERS]
        await send({"type": "http.response.start", "status": 304, "headers": kept})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": 200, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


def _request_headers(scope: Scope) -> dict[bytes, bytes]:
    # Only the two headers this layer reads; repeated If-None-Match lines form one list (RFC 9110 5.3).
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        if name == b"if-none-match" and name in found:
            found[name] += b"," + value
        elif name in (b"if-none-match", b"x-api-key") and name not in found:  # the first key, as the route reads it
            found[name] = value
    return found


def _normalised_query(query_string: bytes) -> list[str]:
    # Parsed as Starlette parses it, then ordered by name (stable: repeated names keep their order, last one wins);
    # names and values alternate, so no text can pass for another split.
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return [part for pair in sorted(pairs, key=lambda pair: pair[0]) for part in pair]


def _key_hash(clear: bytes) -> str:
    return hash_key(clear.decode("latin-1"))
