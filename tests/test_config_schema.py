"""The config schema: defaults, the shipped YAML files, validation messages, secrets masked."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, SecretStr

from nexus_tui.config.defaults_file import render_default_yaml
from nexus_tui.config.edits import set_value
from nexus_tui.config.files import load_config_file
from nexus_tui.config.schema import KNOWN_VENUES, NexusConfig, default_config
from nexus_tui.config.validation import validate_config
from nexus_tui.core.errors import BadInput, ConfigError

REPO = Path(__file__).resolve().parent.parent


def test_defaults_need_no_keys_and_run_the_simulated_market() -> None:
    config = default_config()
    assert config.trading.mode == "sim"
    assert config.trading.approval == "manual"
    assert all(not venue.has_credentials for venue in config.venues.values())
    assert tuple(config.venues) == KNOWN_VENUES


def test_strategy_defaults_follow_seed_001_appendix_b() -> None:
    strategy = default_config().strategy
    assert strategy.min_funding_rate == Decimal("0.0001")
    assert strategy.min_net_apr == Decimal("0.10")
    assert strategy.max_spread == Decimal("0.005")
    assert strategy.min_liquidity_multiple == 3
    assert strategy.funding_history_days == 7
    assert strategy.min_prediction_confidence == Decimal("0.60")
    assert strategy.max_slippage == Decimal("0.001")
    assert strategy.order_timeout_seconds == 30
    assert strategy.max_retry_attempts == 3
    assert strategy.entry_window_hours == 2
    assert strategy.reserve_share == Decimal("0.20")
    assert strategy.max_capital_utilization == Decimal("0.80")
    assert strategy.min_hold_funding_periods == 2
    assert strategy.max_hold_days == 30
    assert strategy.reallocation_min_apr_gain == Decimal("0.02")


@pytest.mark.parametrize(
    ("profile", "position", "leverage", "venue", "drawdown", "asset"),
    [
        ("conservative", "0.02", 2, "0.25", "0.03", "0.15"),
        ("standard", "0.05", 3, "0.35", "0.05", "0.20"),
        ("aggressive", "0.10", 5, "0.50", "0.10", "0.30"),
    ],
)
def test_risk_profiles_follow_seed_001_section_8_3(
    profile: str, position: str, leverage: int, venue: str, drawdown: str, asset: str
) -> None:
    limits = getattr(default_config().risk, profile)
    assert limits.max_position_share == Decimal(position)
    assert limits.max_leverage == leverage
    assert limits.max_venue_share == Decimal(venue)
    assert limits.max_drawdown == Decimal(drawdown)
    assert limits.max_asset_share == Decimal(asset)


def test_a_section_given_in_part_keeps_the_rest_of_its_defaults() -> None:
    config = validate_config(
        {"risk": {"standard": {"max_leverage": 4}}, "venues": {"bybit": {"testnet": True}}}
    )
    assert config.risk.standard.max_leverage == 4
    assert config.risk.standard.max_drawdown == Decimal("0.05")
    assert config.venues["bybit"].testnet and config.venues["bybit"].enabled
    assert config.venues["gate"] == default_config().venues["gate"]


def test_active_risk_limits_follow_the_profile() -> None:
    config = set_value(default_config(), "risk.profile", "aggressive")
    assert config.risk.limits == config.risk.aggressive


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for field in model.model_fields.values():
        for candidate in _nested_types(field.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel) and candidate not in found:
                found += _models(candidate)
    return found


def _nested_types(annotation: object) -> list[object]:
    import typing

    args = typing.get_args(annotation)
    return [annotation, *[t for arg in args for t in _nested_types(arg)]]


def test_every_field_is_documented() -> None:
    undocumented = [
        f"{model.__name__}.{name}"
        for model in _models(NexusConfig)
        for name, field in model.model_fields.items()
        if not (field.description and len(field.description) > 8)
    ]
    assert not undocumented


def test_config_is_frozen() -> None:
    config = default_config()
    with pytest.raises(Exception, match="frozen"):
        config.trading.mode = "live"


def test_default_yaml_is_generated_from_the_schema_and_equals_the_defaults() -> None:
    shipped = (REPO / "config" / "default.yaml").read_text(encoding="utf-8")
    assert shipped == render_default_yaml(), (
        "config/default.yaml is stale: python -m nexus_tui.config.defaults_file > config/default.yaml"
    )
    assert NexusConfig.model_validate(yaml.safe_load(shipped)) == default_config()


def test_example_yaml_is_a_valid_full_config_without_credentials() -> None:
    example = load_config_file(REPO / "config" / "example.yaml")
    assert example.trading.mode == "paper"
    assert example.risk.profile == "conservative"
    assert example.venues["binanceusdm"].leverage_for("BTC/USDT:USDT") == 2
    assert example.venues["binanceusdm"].leverage_for("SOL/USDT:USDT") == 3
    raw = yaml.safe_load((REPO / "config" / "example.yaml").read_text(encoding="utf-8"))
    assert set(raw) == set(NexusConfig.model_fields), "the example shows every section"


def test_a_yaml_file_with_a_credential_is_refused_without_echoing_it(tmp_path: Path) -> None:
    file = tmp_path / "mine.yaml"
    file.write_text("venues:\n  okx:\n    passphrase: hunter2-passphrase\n", encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_config_file(file)
    assert "venues.okx.passphrase" in str(caught.value)
    assert "hunter2-passphrase" not in str(caught.value)


def test_environment_variables_never_configure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING", '{"mode": "live"}')
    monkeypatch.setenv("NEXUS_TRADING", '{"mode": "live"}')
    monkeypatch.setenv("VENUES", '{"okx": {"api_key": "from-env"}}')
    assert NexusConfig() == default_config()


# -- validation messages: field, bad value, what is allowed, one line -------------------------


_BAD_VALUES = [
    ({"trading": {"mode": "yolo"}}, "trading.mode: 'yolo' is not allowed; expected 'sim', 'paper' or 'live'"),
    (
        {"trading": {"approval": "maybe"}},
        "trading.approval: 'maybe' is not allowed; expected 'manual', 'auto' or 'off'",
    ),
    (
        {"strategy": {"min_net_apr": "-0.1"}},
        "strategy.min_net_apr: '-0.1' is not allowed; expected greater than or equal to 0",
    ),
    (
        {"risk": {"standard": {"max_leverage": 500}}},
        "risk.standard.max_leverage: 500 is not allowed; expected less than or equal to 125",
    ),
    (
        {"strategy": {"max_hold_days": "soon"}},
        "strategy.max_hold_days: 'soon' is not allowed; expected a valid integer",
    ),
    ({"venues": {"binance": {}}}, "unknown venue 'binance'"),
    ({"ui": {"colour": "red"}}, "ui.colour: unknown key"),
]


@pytest.mark.parametrize(("data", "expected"), _BAD_VALUES)
def test_validation_error_names_field_value_and_rule(data: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_live_mode_needs_an_enabled_venue_with_keys() -> None:
    with pytest.raises(ConfigError, match=r"trading\.mode 'live' is not allowed"):
        validate_config({"trading": {"mode": "live"}})
    config = validate_config(
        {
            "venues": {"bybit": {"enabled": True, "api_key": "k", "api_secret": "s"}},
            "trading": {"mode": "live"},
        }
    )
    assert config.trading.mode == "live"


def test_a_bad_secret_value_is_never_echoed() -> None:
    secret = "https-not-really://token-abcdef-987654"
    with pytest.raises(ConfigError) as caught:
        validate_config({"alerts": {"webhook": {"url": secret}}})
    assert secret not in str(caught.value)
    assert "alerts.webhook.url" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        validate_config({"venues": {"okx": {"api_key": "   "}}})
    assert "venues.okx.api_key" in str(caught.value)


def test_a_cross_field_error_with_keys_present_does_not_show_them() -> None:
    data = {
        "venues": {"okx": {"api_key": "key-that-must-not-leak", "enabled": False}},
        "trading": {"mode": "live"},
    }
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    assert "key-that-must-not-leak" not in str(caught.value)


def test_secrets_are_masked_in_repr_str_and_json() -> None:
    config = validate_config({"venues": {"okx": {"api_key": "visible-if-broken-123"}}})
    assert isinstance(config.venues["okx"].api_key, SecretStr)
    for text in (repr(config), str(config), config.model_dump_json(), repr(config.venues["okx"])):
        assert "visible-if-broken-123" not in text
