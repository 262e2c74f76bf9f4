"""SSRF in a private network namespace: a public host on a loopback alias, an internal service on 127.0.0.1 and a
rebinding DNS server (tests/security/netns_probe.py). Nothing a client submits may reach the internal service."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def namespaces_available() -> str | None:
    """Why this machine cannot run the probe, or None."""
    if os.geteuid() != 0:
        return "needs root for unshare -n -m (the CI and development machines run as root)"
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "needs util-linux unshare and iproute2 ip"
    if subprocess.run(["unshare", "-n", "-m", "true"], capture_output=True).returncode != 0:
        return "network namespaces are not permitted here"
    return None


pytestmark = pytest.mark.skipif(namespaces_available() is not None, reason=str(namespaces_available()))


def probe(scenario: str) -> dict[str, Any]:
    done = subprocess.run(["unshare", "-n", "-m", sys.executable, "-m", "tests.security.netns_probe", scenario],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_dns_rebinding_cannot_switch_the_checked_address() -> None:
    result = probe("rebinding")
    assert result["internal_hits"] == [], result  # neither robots.txt nor the page reached 127.0.0.1
    assert result["loaded"] == 0 and result["status"] == "failed"
    assert "refused by the SSRF guard" in (result["error"] or ""), result


def test_an_api_replay_cannot_follow_a_redirect_inside() -> None:
    result = probe("replay")
    assert result["internal_hits"] == [], result
    assert result["public_hits"] == ["/p/moved"] and result["products"] == 0
    assert "refused by the SSRF guard" in json.dumps(result["body"]), result
