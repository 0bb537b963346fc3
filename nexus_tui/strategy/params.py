"""Strategy parameters: one frozen value, defaults from the whitepaper (seed 001 Appendix B).

Where the seeds disagree, or a seed default is unsuited to funding arbitrage held for days, the
choice and its reason are written next to the field. docs/strategy.md lists every parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any

from nexus_tui.core.errors import ConfigError
from nexus_tui.core.money import D


@dataclass(frozen=True, slots=True)
class FeeOverride:
    """A fee the user states for a venue (their VIP tier, a rebate), beating the venue's own data."""

    maker: Decimal
    taker: Decimal


@dataclass(frozen=True, slots=True)
class StrategyParams:
    # -- size and holding horizon ----------------------------------------------------------
    size_usd: Decimal = Decimal(10_000)  # target notional per leg
    # Expected value and net APR amortize entry+exit costs over this hold. Three days: long
    # enough for an 8 h venue to settle nine times, short against the 30-day maximum hold.
    horizon_hours: Decimal = Decimal(72)
    max_hold_hours: Decimal = Decimal(30 * 24)  # B.4 max_position_hold_days: 30

    # -- hard constraints (seed 002 §3) ----------------------------------------------------
    min_depth_multiple: Decimal = Decimal(2)  # order-book depth >= 2x size on both legs
    # Seed 002 says 200 ms, written for sub-second spread arbitrage; a funding position held
    # for days tolerates a slower REST round trip, and 200 ms rejects most venues from a home line.
    max_latency_ms: float = 1000.0
    max_quote_age_s: float = 120.0  # a funding row older than this is stale
    min_funding_delta_8h: Decimal = Decimal("0.0001")  # > 0.01 % per 8 h (B.1, seed 002)

    # -- eligibility (seed 000 §5.1) -------------------------------------------------------
    min_volume_24h_usd: Decimal = Decimal(1_000_000)
    min_open_interest_usd: Decimal = Decimal(500_000)

    # -- what to look for --------------------------------------------------------------------
    cross_perp: bool = True  # types B and C
    spot_perp: bool = True  # type A
    temporal: bool = True  # type E
    symbols: frozenset[str] = frozenset()  # only these base assets or unified symbols; empty = all

    # -- filter pipeline (seed 004) --------------------------------------------------------
    blacklist: frozenset[str] = frozenset()  # base assets or unified symbols
    venue_blacklist: frozenset[str] = frozenset()
    # B.1 max_spread_threshold 0.5 %, applied to each leg's bid-ask spread (seed 000 §5.1) and to
    # the gap between the two legs' entry prices (seed 004's spread limit).
    max_spread: Decimal = Decimal("0.005")
    min_net_apr: Decimal = Decimal("0.10")  # B.1 min_net_apr_threshold 10 %
    min_liquidity_multiple: Decimal = Decimal(3)  # B.1: book depth >= 3x size
    max_slippage: Decimal = Decimal("0.001")  # B.2 max_slippage_tolerance 0.1 % per fill
    min_expected_value_usd: Decimal = Decimal(1)  # seed 004 min_expected_value_usd
    # Seed 004's 4 h is for two hourly, near-zero-fee DEXs; with 8 h CEX legs paying taker
    # fees a sound trade needs most of a day, so two thirds of the horizon.
    max_break_even_hours: Decimal = Decimal(48)

    # -- fees and borrow ----------------------------------------------------------------
    use_maker_fees: bool = False  # seed 000 OpportunityLeg: taker fee assumed
    fee_overrides: Mapping[str, FeeOverride] = field(default_factory=dict)
    borrow_apr: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)  # (venue, asset)

    # -- scoring (seed 000 §3.2, seed 001 §5.4) ----------------------------------------------
    benchmark_apr: float = 0.25  # net APR at which the base return part reaches half its 20 points
    leverage: float = 3.0  # per leg, for the liquidation buffer
    price_daily_vol: float = 0.05  # assumed daily price volatility when none is known
    max_basis: float = 0.005  # price gap between legs that scores zero on basis
    stablecoin_basis_risk: float = 0.001  # USDT against USDC: a small basis, never a reason to skip
    optimal_entry_window_hours: float = 2.0  # B.2
    min_entry_lead_hours: float = 0.25  # time to get both legs filled before a settlement

    # -- predictor (seed 000 FundingPredictor, "simple") ----------------------------------------
    history_lookback_hours: float = 7 * 24.0  # B.1 funding_history_lookback 7 days
    ema_span: int = 2  # chosen on real 8 h and 1 h history: best one-step error (docs/strategy.md)
    min_history_points: int = 12  # fewer points: confidence scaled down linearly
    history_refit_s: float = 900.0  # a history read from the live book is refitted this often
    prediction_confidence_threshold: float = 0.6  # B.1

    # -- temporal (type E) ---------------------------------------------------------------
    temporal_max_wait_hours: Decimal = Decimal(2)  # only settlements this close are captured
    temporal_exit_delay_hours: Decimal = Decimal("0.25")  # exit this long after the settlement

    # -- scanner bookkeeping ------------------------------------------------------------
    recost_after_s: float = 30.0  # an unchanged symbol is re-costed at least this often
    expired_retention_s: float = 300.0  # expired opportunities stay visible this long

    def __post_init__(self) -> None:
        positive = ("size_usd", "horizon_hours", "max_hold_hours", "max_quote_age_s", "leverage")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"strategy.{name} must be positive, got {getattr(self, name)}")
        if self.ema_span < 1:
            raise ConfigError(f"strategy.ema_span must be at least 1, got {self.ema_span}")

    @property
    def min_funding_delta_hourly(self) -> Decimal:
        return _per_hour(self.min_funding_delta_8h)

    def with_size(self, size_usd: Decimal) -> StrategyParams:
        return replace(self, size_usd=size_usd)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> StrategyParams:
        """Build from a config section (a mapping or a model's dump): known keys only, typed here.

        Unknown keys are ignored so the config schema can carry settings other layers use.
        """
        known = {f.name: f for f in fields(cls)}
        defaults = cls()
        aliases = {
            "min_apr": "min_net_apr",
            "min_apy": "min_net_apr",
            "max_spread_threshold": "max_spread",
            "min_net_apr_threshold": "min_net_apr",
            "min_funding_rate_threshold": "min_funding_delta_8h",
            "max_slippage_tolerance": "max_slippage",
            "funding_history_lookback_hours": "history_lookback_hours",
            "target_size_usd": "size_usd",
            "position_size_usd": "size_usd",
        }
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            name = aliases.get(key, key)
            if name not in known or value is None:
                continue
            kwargs[name] = _coerce(name, value, getattr(defaults, name))
        return cls(**kwargs)


_TYPES = {
    "perp_perp": "cross_perp",
    "cross_perp": "cross_perp",
    "spot_perp": "spot_perp",
    "temporal": "temporal",
}


def params_from_config(config: Any, **overrides: Any) -> StrategyParams:
    """StrategyParams from the app config (`config.strategy`, config/schema.py), then `overrides`.

    None, or a config without a strategy section, gives the defaults. Only fields this module
    knows are read; every one keeps its default when the config does not say.
    """
    section = getattr(config, "strategy", None)
    values: dict[str, Any] = {}
    if section is not None:
        get = section.get if isinstance(section, Mapping) else lambda k, d=None: getattr(section, k, d)
        simple = {
            "min_funding_rate": "min_funding_delta_8h",
            "min_net_apr": "min_net_apr",
            "max_spread": "max_spread",
            "min_liquidity_multiple": "min_liquidity_multiple",
            "min_volume_24h_usd": "min_volume_24h_usd",
            "min_open_interest_usd": "min_open_interest_usd",
            "max_slippage": "max_slippage",
            "min_prediction_confidence": "prediction_confidence_threshold",
            "entry_window_hours": "optimal_entry_window_hours",
            "blacklist": "blacklist",
            "symbols": "symbols",
        }
        for key, name in simple.items():
            value = get(key)
            if value is not None:
                values[name] = value
        days = get("funding_history_days")
        if days is not None:
            values["history_lookback_hours"] = float(days) * 24
        hold_days = get("max_hold_days")
        if hold_days is not None:
            values["max_hold_hours"] = Decimal(int(hold_days) * 24)
        kinds = get("opportunity_types")
        if kinds is not None:
            # The config's list names perp_perp and spot_perp; type E has no switch there yet
            # and stays on (StrategyParams.temporal).
            wanted = {_TYPES.get(str(k), str(k)) for k in kinds}
            values["cross_perp"] = "cross_perp" in wanted
            values["spot_perp"] = "spot_perp" in wanted
    trading = getattr(config, "trading", None)
    buffer_min = getattr(trading, "entry_buffer_minutes", None)
    if buffer_min is not None:
        values["min_entry_lead_hours"] = float(buffer_min) / 60
    values.update(overrides)
    return StrategyParams.from_mapping(values)


@lru_cache(maxsize=64)
def _per_hour(per_8h: Decimal) -> Decimal:
    return per_8h / 8


def _coerce(name: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return bool(value)
        if isinstance(default, Decimal):
            return D(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, frozenset):
            return frozenset(str(v) for v in value)
        if name == "fee_overrides":
            return {str(k): _fee_override(v) for k, v in dict(value).items()}
        if name == "borrow_apr":
            return {(str(k[0]), str(k[1])): D(v) for k, v in dict(value).items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"strategy.{name}: {exc}") from None
    return value


def _fee_override(value: Any) -> FeeOverride:
    if isinstance(value, FeeOverride):
        return value
    if isinstance(value, Mapping):
        return FeeOverride(maker=D(value["maker"]), taker=D(value["taker"]))
    return FeeOverride(maker=D(getattr(value, "maker")), taker=D(getattr(value, "taker")))  # noqa: B009
