"""Which host names and addresses are loopback: one answer for the API bind check, Flower and the demo shop."""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` (and names under ``.localhost``) and loopback IP literals, ``[::1]`` included.

    Names are not resolved: any other name counts as public, the safe side for a bind address.
    """
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
