"""One redaction helper: URL credentials (user name included) and known secret values never reach a message."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import ValidationError

from sightsearch.config import Settings
from sightsearch.metrics.alerts import Finding, post_webhook
from sightsearch.redact import redact_text, redact_url, settings_secrets


@pytest.mark.parametrize(("url", "masked"), [
    ("http://KEY@proxy.example:3128", "http://***@proxy.example:3128"),
    ("http://KEY:@proxy.example:3128", "http://***@proxy.example:3128"),
    ("http://user:pa55@proxy.example:3128/x?y=1", "http://***@proxy.example:3128/x?y=1"),
    ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg://***@h/db"),
    ("postgresql://u:p@ss/w@rd@db.internal:5432/db", "postgresql://***@db.internal:5432/db"),  # unencoded / and @
    ("postgresql//u:secret@h/db", "postgresql//***@h/db"),  # a typo'd scheme still hides its credentials
    ("redis://:only-password@127.0.0.1:6379/0", "redis://***@127.0.0.1:6379/0"),
    ("https://shop.example/@brand/item", "https://shop.example/@brand/item"),  # an @ in a path is not user-info
    ("https://shop.example/p?email=a@b.example", "https://shop.example/p?email=a@b.example"),
    ("sqlite:///data/store.db", "sqlite:///data/store.db"),
])
def test_redact_url_masks_user_and_password(url: str, masked: str) -> None:
    assert redact_url(url) == masked


def test_redact_text_removes_known_secrets_and_url_credentials() -> None:
    text = ("proxy http://KEY123@10.0.0.1:3128 failed; retried via 'http://u:pw-9@10.0.0.2' with token "
            "hook-Secret%2F1 and hook-Secret/1")
    clean = redact_text(text, secrets=["hook-Secret/1", None, ""])
    assert "KEY123" not in clean and "pw-9" not in clean and "hook-Secret" not in clean
    assert "http://***@10.0.0.1:3128" in clean and "10.0.0.2" in clean


def test_settings_secrets_lists_every_secret_value() -> None:
    settings = Settings(_env_file=None, database_url="postgresql+psycopg://app:db-pass-1@h/db",
                        broker_url="redis://:broker-pass@127.0.0.1:6379/0", proxies=["http://PROXYKEY@p:1"],
                        flower_user="ops", flower_password="flower-pass-long",
                        alert_webhook_url="https://hooks.example/services/T0/B0/TOKEN42")
    secrets = settings_secrets(settings)
    text = " ".join(["db-pass-1", "broker-pass", "PROXYKEY", "flower-pass-long", "/services/T0/B0/TOKEN42"])
    assert redact_text(text, secrets).replace("***", "").strip() == ""


def test_settings_errors_do_not_echo_the_rejected_input() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, max_pages="postgresql://u:s3cret-value@h/db")  # type: ignore[arg-type]
    assert "s3cret-value" not in str(refused.value)


@pytest.fixture
def failing_webhook() -> Iterator[str]:
    """A webhook on loopback that answers 403 to everything, with a token in its path."""

    class Refuse(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://hookuser:hookpass@127.0.0.1:{server.server_port}/services/T0/B0/TOKEN-abc123?key=QKEY-xyz"
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_failing_alert_webhook_is_logged_without_its_token(failing_webhook: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    finding = Finding("error_rate", "shop.example: fetch error rate 50% over 20%", site="shop.example")
    with caplog.at_level(logging.WARNING, logger="sightsearch.metrics.alerts"):
        assert post_webhook(failing_webhook, finding, datetime.now(UTC)) is False
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "alert webhook http://127.0.0.1:" in logged and "403" in logged
    for secret in ("TOKEN-abc123", "QKEY-xyz", "hookuser", "hookpass"):
        assert secret not in logged
