"""The main document's HTTP status, headers and redirects, read from ChromeDriver's performance log.

WebDriver does not expose the status code. The choice here is the performance log (CDP ``Network`` events that
ChromeDriver records for us): unlike a HEAD or GET before rendering, it costs no second request, sees the very
response the browser rendered (cookies, proxy and redirects included), and needs no event subscription, which
Selenium offers only over BiDi.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class DocumentResponse:
    """The final response of a navigation: after redirects, as the browser received it."""

    url: str
    status: int
    headers: dict[str, str]
    mime_type: str
    redirects: list[str] = field(default_factory=list)


def document_response(entries: Iterable[dict[str, Any]]) -> DocumentResponse | None:
    """The main document's response among one navigation's log entries; None when the log has none (about:, data:).

    The navigation is the first ``Document`` request; its redirects keep the same request id, so the response
    that carries that id is the final one, and each redirect's target is a hop.
    """
    navigation: str | None = None
    redirects: list[str] = []
    for method, params in _network_events(entries):
        if method == "Network.requestWillBeSent" and params.get("type") == "Document":
            navigation = navigation or params.get("requestId")
            if params.get("requestId") == navigation and "redirectResponse" in params:
                redirects.append(params["request"]["url"])
        elif method == "Network.responseReceived" and params.get("requestId") == navigation:
            response = params["response"]
            headers = {str(k).lower(): str(v) for k, v in response.get("headers", {}).items()}
            return DocumentResponse(response["url"], int(response["status"]), headers,
                                    response.get("mimeType", ""), redirects)
    return None


def _network_events(entries: Iterable[dict[str, Any]]) -> Iterable[tuple[str, dict[str, Any]]]:
    for entry in entries:
        try:
            message = json.loads(entry["message"])["message"]
        except (KeyError, TypeError, ValueError):
            continue  # a log line of another shape is not ours to interpret
        if str(message.get("method", "")).startswith("Network."):
            yield message["method"], message.get("params", {})
