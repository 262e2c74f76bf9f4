"""Which bind addresses are loopback: the API refuses to listen on any other one with authentication off."""

from __future__ import annotations

from sightsearch.errors import ConfigurationError
from sightsearch.netaddr import is_loopback_host


def check_bind(host: str, auth_enabled: bool, allowed_hosts: list[str] | None = None) -> None:
    """Raise ``ConfigurationError`` when ``host`` is not loopback and API keys are off, or no Host names are set.

    ``allowed_hosts`` None skips the second check (callers that only ask about authentication).
    """
    if allowed_hosts is not None and not allowed_hosts and not is_loopback_host(host):
        raise ConfigurationError(
            f"refusing to serve on {host} without SIGHTSEARCH_API_ALLOWED_HOSTS: name the hosts clients use to reach "
            'the API (e.g. ["api.example.com"]), so that a rebound DNS name cannot reach it from a web page.'
        )
    if not auth_enabled and not is_loopback_host(host):
        raise ConfigurationError(
            f"refusing to serve on {host} with API keys disabled: anyone who can reach it could write and start "
            "crawls. Bind 127.0.0.1, or set SIGHTSEARCH_API_AUTH_ENABLED=true and create a key with "
            "`sightsearch apikey create --name NAME`."
        )
