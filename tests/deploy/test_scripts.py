"""The operator scripts (deploy/scripts) and the image's healthcheck: shellcheck / compile clean."""

from __future__ import annotations

import py_compile

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
