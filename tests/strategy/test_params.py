"""StrategyParams: defaults, validation, and the mapping from the app config's strategy section."""

from __future__ import annotations

from decimal import Decimal

import pytest

from nexus_tui.config.schema import NexusConfig
from nexus_tui.core.errors import ConfigError
from nexus_tui.strategy.params import FeeOverride, StrategyParams, params_from_config


def test_defaults_follow_appendix_b() -> None:
    p = StrategyParams()
    assert p.min_net_apr == Decimal("0.10")
    assert p.max_spread == Decimal("0.005")
    assert p.min_liquidity_multiple == 3
    assert p.max_slippage == Decimal("0.001")
    assert p.min_funding_delta_hourly == Decimal("0.0000125")
    assert p.history_lookback_hours == 168


def test_the_config_section_maps_onto_the_params() -> None:
    config = NexusConfig.model_validate(
        {
            "strategy": {
                "min_net_apr": "0.25",
                "max_spread": "0.002",
                "blacklist": ["DOGE/USDT:USDT"],
                "funding_history_days": 3,
                "max_hold_days": 10,
                "opportunity_types": ["perp_perp"],
                "min_prediction_confidence": "0.7",
            },
            "trading": {"entry_buffer_minutes": 30},
        }
    )
    p = params_from_config(config, size_usd=Decimal(2500))
    assert p.min_net_apr == Decimal("0.25") and p.max_spread == Decimal("0.002")
    assert p.blacklist == frozenset({"DOGE/USDT:USDT"})
    assert p.history_lookback_hours == 72 and p.max_hold_hours == 240
    assert p.cross_perp and not p.spot_perp
    assert p.prediction_confidence_threshold == pytest.approx(0.7)
    assert p.min_entry_lead_hours == pytest.approx(0.5)
    assert p.size_usd == 2500
    assert params_from_config(None) == StrategyParams()


def test_bad_values_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="size_usd"):
        StrategyParams(size_usd=Decimal(0))
    with pytest.raises(ConfigError, match="min_net_apr"):
        StrategyParams.from_mapping({"min_net_apr": "lots"})
    overrides = StrategyParams.from_mapping({"fee_overrides": {"bybit": {"maker": "0", "taker": "0.0003"}}})
    assert overrides.fee_overrides == {"bybit": FeeOverride(Decimal(0), Decimal("0.0003"))}
