"""Dotted keys: resolving against the schema, setting with validation, resetting to defaults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_tui.config.edits import get_value, set_value, unset_value
from nexus_tui.config.keys import is_secret_path, resolve_key
from nexus_tui.config.render import MASK_SET, MASK_UNSET, masked, value_text
from nexus_tui.config.schema import default_config
from nexus_tui.core.errors import BadInput, ConfigError


def test_resolve_key_kinds_and_secrets() -> None:
    assert resolve_key("venues.binanceusdm.api_key").secret
    assert resolve_key("alerts.telegram.bot_token").secret
    assert resolve_key("alerts.webhook.url").secret
    assert not resolve_key("venues.hyperliquid.wallet_address").secret
    assert resolve_key("risk.standard").kind == "section"
    assert resolve_key("strategy.symbols").kind == "list"
    assert resolve_key("venues.okx.leverage_by_symbol").kind == "mapping"
    assert resolve_key("venues.okx.leverage_by_symbol.BTC/USDT:USDT").kind == "value"
    assert is_secret_path(("venues", "okx", "passphrase"))
    assert not is_secret_path(("trading", "mode"))


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("strategy.min_apr", "did you mean 'strategy.min_net_apr'?"),
        ("venues.binance.api_key", "did you mean 'venues.binanceusdm'?"),
        ("tradin.mode", "did you mean 'trading'?"),
        ("trading.mode.deeper", "trading.mode is a single value"),
        ("zzz", "the config has: venues, data, strategy, risk, trading, alerts, ui"),
        ("strategy..min_net_apr", "bad config key"),
    ],
)
def test_unknown_keys_are_one_line_with_a_hint(key: str, hint: str) -> None:
    with pytest.raises(BadInput) as caught:
        resolve_key(key)
    assert hint in str(caught.value)
    assert "\n" not in str(caught.value)


def test_set_converts_text_to_the_field_type() -> None:
    config = default_config()
    config = set_value(config, "strategy.min_net_apr", "0.15")
    config = set_value(config, "venues.gate.enabled", "true")
    config = set_value(config, "trading.max_open_positions", "4")
    config = set_value(config, "strategy.symbols", "BTC/USDT:USDT, ETH/USDT:USDT")
    config = set_value(config, "strategy.blacklist", "[LUNA/USDT:USDT]")
    config = set_value(config, "venues.okx.leverage_by_symbol.BTC/USDT:USDT", "3")
    assert config.strategy.min_net_apr == Decimal("0.15")
    assert config.venues["gate"].enabled is True
    assert config.trading.max_open_positions == 4
    assert config.strategy.symbols == ("BTC/USDT:USDT", "ETH/USDT:USDT")
    assert config.strategy.blacklist == ("LUNA/USDT:USDT",)
    assert config.venues["okx"].leverage_for("BTC/USDT:USDT") == 3


def test_set_returns_a_new_config_and_leaves_the_old_one() -> None:
    old = default_config()
    new = set_value(old, "trading.mode", "paper")
    assert old.trading.mode == "sim" and new.trading.mode == "paper"


def test_invalid_set_raises_and_changes_nothing() -> None:
    old = default_config()
    with pytest.raises(ConfigError, match=r"trading\.mode: 'yolo' is not allowed"):
        set_value(old, "trading.mode", "yolo")
    assert old == default_config()


def test_setting_a_section_is_refused() -> None:
    with pytest.raises(BadInput, match=r"'risk' is a section: set one of its keys, e\.g\. risk\.profile"):
        set_value(default_config(), "risk", "x")


def test_unset_restores_the_default_or_removes_an_entry() -> None:
    config = set_value(default_config(), "venues.okx.api_key", "key-1234")
    config = set_value(config, "venues.okx.leverage_by_symbol.ETH/USDT:USDT", "2")
    config = set_value(config, "risk.standard.max_leverage", "4")
    config = unset_value(config, "venues.okx.api_key")
    config = unset_value(config, "venues.okx.leverage_by_symbol.ETH/USDT:USDT")
    config = unset_value(config, "risk.standard")
    assert config == default_config()
    with pytest.raises(BadInput, match="is not set"):
        unset_value(config, "venues.okx.leverage_by_symbol.ETH/USDT:USDT")


def test_get_values_and_masking() -> None:
    config = set_value(default_config(), "venues.okx.api_key", "key-abcdef")
    assert get_value(config, "trading.mode") == "sim"
    info = resolve_key("venues.okx.api_key")
    assert value_text(get_value(config, "venues.okx.api_key"), info) == MASK_SET
    assert value_text(get_value(config, "venues.okx.api_secret"), resolve_key("venues.okx.api_secret")) == (
        MASK_UNSET
    )
    section = value_text(get_value(config, "venues.okx"), resolve_key("venues.okx"))
    assert "key-abcdef" not in section and MASK_SET in section
    assert (
        value_text(get_value(config, "strategy.min_net_apr"), resolve_key("strategy.min_net_apr")) == "0.10"
    )
    shown = masked(config)
    assert shown["venues"]["okx"]["api_key"] == MASK_SET
    assert shown["venues"]["bybit"]["api_key"] == MASK_UNSET
    assert shown["venues"]["okx"]["wallet_address"] is None
