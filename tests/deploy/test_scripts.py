"""The operator scripts (deploy/scripts) and the image's healthcheck: shellcheck / compile clean."""

from __future__ import annotations

import py_compile
import sys

from tests.deploy.conftest import ROOT, run, tool

SCRIPTS = sorted((ROOT / "deploy" / "scripts").glob("*.sh"))


def test_shellcheck_passes() -> None:
    assert {p.name for p in SCRIPTS} >= {"deploy.sh", "first-certificate.sh", "backup-postgres.sh",
                                          "self-signed-cert.sh"}
    result = run([tool("shellcheck"), "--severity=info", *map(str, SCRIPTS)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_helpers_compile() -> None:
    for path in (ROOT / "deploy" / "healthcheck.py", ROOT / "deploy" / "certbot" / "certificate_fresh.py"):
        py_compile.compile(str(path), doraise=True)


def test_deploy_refuses_a_malformed_tag(tmp_path) -> None:
    (tmp_path / "deploy" / "scripts").mkdir(parents=True)
    script = tmp_path / "deploy" / "scripts" / "deploy.sh"
    script.write_text((ROOT / "deploy" / "scripts" / "deploy.sh").read_text())
    (tmp_path / ".env").write_text("SIGHTSEARCH_TAG=latest\n")
    result = run(["bash", str(script), "abc; rm -rf /"])
    assert result.returncode == 1 and "bad image tag" in result.stderr


def test_placeholder_certificate_is_fresh_for_a_day_only(tmp_path, monkeypatch) -> None:
    certbot = ROOT / "deploy" / "certbot"
    made = run([sys.executable, str(certbot / "placeholder_certificate.py"), "example.test", "--live", str(tmp_path)])
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "example.test" / "privkey.pem").exists()
    monkeypatch.setenv("DOMAIN", "example.test")
    fresh = [sys.executable, str(certbot / "certificate_fresh.py"), "--live", str(tmp_path)]
    assert run([*fresh, "--days", "0.5"]).returncode == 0
    assert run([*fresh, "--days", "14"]).returncode == 1  # what makes the certbot service unhealthy
