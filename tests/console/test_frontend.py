"""The console's own checks, run from pytest so `make test` covers them: typed client drift, types, component tests."""

from __future__ import annotations

import re

from tests.console.node import CONSOLE, assert_ok, run_npm


def test_generated_api_types_match_the_apps_openapi_schema() -> None:
    result = run_npm("run", "--silent", "check:api")
    assert result.returncode == 0, f"the typed API client drifted from the API:\n{result.stderr}"


def test_typescript_compiles() -> None:
    assert_ok(run_npm("run", "--silent", "typecheck"))


def test_component_tests_pass() -> None:
    result = run_npm("exec", "--", "vitest", "run", "--reporter=dot")
    assert_ok(result)
    assert re.search(r"Tests\s+\d+ passed", result.stdout), result.stdout[-2000:]


def test_every_client_section_is_served_by_the_api() -> None:
    from sightsearch.api.console import CLIENT_SECTIONS

    routes = (CONSOLE / "src" / "routes.tsx").read_text(encoding="utf-8")
    sections = {path.split("/")[0] for path in re.findall(r'path: "([a-z][^"]*)"', routes)}
    assert sections == set(CLIENT_SECTIONS)
