"""Secrets never reach a log: the redaction filter masks every value the vault holds."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus_tui.config.edits import set_value
from nexus_tui.config.redact import MASK, REDACTOR, SecretRedactor, install_redaction
from nexus_tui.config.schema import default_config
from nexus_tui.config.vault import Vault

API_KEY = "pk-live-4f9a1c77e2b3"
API_SECRET = "sk-live-9b8c7d6e5f4a"
TOKEN = "123456:telegram-AAbbCC"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """A handler added on the root logger (after redaction is installed, as an app would)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    REDACTOR.clear()


@pytest.fixture
def vault(nexus_home: Path) -> Vault:
    config = set_value(default_config(), "venues.bybit.api_key", API_KEY)
    config = set_value(config, "venues.bybit.api_secret", API_SECRET)
    config = set_value(config, "alerts.telegram.bot_token", TOKEN)
    return Vault.create(nexus_home, "master pw", config)


def test_every_secret_the_vault_holds_is_redacted_from_logs(vault: Vault, log_output: io.StringIO) -> None:
    install_redaction(vault.secrets())
    log = logging.getLogger("nexus_tui.venues.ccxt_venue")
    log.info("connecting with key %s", API_KEY)
    log.warning("signed request secret=%s", API_SECRET)
    log.debug(f"telegram token in an f-string: {TOKEN}")
    log.error("dict args %(k)s", {"k": API_SECRET})
    try:
        raise RuntimeError(f"venue said: bad key {API_KEY}")
    except RuntimeError:
        log.exception("call failed")
    logging.getLogger("some.library").warning("unrelated %s and %s", "value", API_KEY)
    written = log_output.getvalue()
    for secret in (API_KEY, API_SECRET, TOKEN):
        assert secret not in written
    assert written.count(MASK) >= 6
    assert "venue said: bad key ********" in written
    assert "unrelated value and ********" in written


def test_redactor_as_a_handler_filter(log_output: io.StringIO) -> None:
    redactor = SecretRedactor()
    redactor.add(["abc-secret-def", "abc-secret"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(redactor)
    log = logging.getLogger("test.redact.handler")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("long %s short %s", "abc-secret-def", "abc-secret")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    assert stream.getvalue() == f"long {MASK} short {MASK}\n"


def test_records_without_secrets_are_untouched(log_output: io.StringIO) -> None:
    install_redaction(["never-logged-value"])
    logging.getLogger("nexus_tui.engine").info("funding %s at %d%%", "BTC/USDT:USDT", 12)
    assert log_output.getvalue() == "nexus_tui.engine INFO funding BTC/USDT:USDT at 12%\n"


def test_empty_values_are_not_secrets() -> None:
    redactor = SecretRedactor()
    redactor.add(["", "x-secret"])
    assert len(redactor) == 1
    assert redactor.redact("a x-secret b") == f"a {MASK} b"
