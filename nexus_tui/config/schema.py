"""The user's configuration: one frozen, typed model with a documented default for every field.

The defaults are the product's defaults (seed 001 Appendix B for the strategy, seed 001 §8.3 for
the risk profiles, seed 000 for the ArbitrageScanner source); `config/default.yaml` is generated
from this module (`python -m nexus_tui.config.defaults_file`) and a test keeps the two equal.

Shares of capital, APRs, rates and tolerances are fractions: 0.05 means 5 %. Money is Decimal.
Credentials are `SecretStr`: their repr, `str()` and JSON dump are masked; only the vault ever
asks for the clear value (to encrypt it).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

# The venues with a profile in this product (ccxt ids). A closed list on purpose: a typo such
# as `venues.binance` (ccxt's spot id) would otherwise create a venue that nothing ever reads.
KNOWN_VENUES: tuple[str, ...] = (
    "binanceusdm",
    "bybit",
    "okx",
    "hyperliquid",
    "dydx",
    "gate",
    "kucoinfutures",
    "bitget",
    "paradex",
    "lighter",
    "extended",
)
# Enabled out of the box for paper trading on public data: the deepest perp venues, no keys needed.
DEFAULT_ENABLED_VENUES: frozenset[str] = frozenset({"binanceusdm", "bybit", "okx", "hyperliquid"})

Share = Annotated[Decimal, Field(ge=0, le=1)]
PositiveDecimal = Annotated[Decimal, Field(gt=0)]
Seconds = Annotated[float, Field(gt=0, le=86_400)]
Leverage = Annotated[Decimal, Field(gt=0, le=125)]

# ccxt unified perpetual symbol: BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT.
_PERP_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,10}:[A-Z0-9]{1,10}$")
_ANY_SYMBOL = re.compile(r"^[A-Z0-9]{1,20}/[A-Z0-9]{1,10}(:[A-Z0-9]{1,10})?$")


class Section(BaseModel):
    """Base of every config section: immutable, and unknown keys are an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("expected an http:// or https:// URL")
    return value


HttpUrlText = Annotated[str, AfterValidator(_check_url)]


def _non_empty_secret(value: SecretStr) -> SecretStr:
    if not value.get_secret_value().strip():
        raise ValueError("expected a non-empty value (use `config unset` to remove it)")
    return value


Secret = Annotated[SecretStr, AfterValidator(_non_empty_secret)]


# -- venues ------------------------------------------------------------------------------------


class VenueConfig(Section):
    """One exchange: whether we use it, its credentials, and the leverage we set on it."""

    enabled: bool = Field(
        default=False,
        description="Use this venue for market data (paper) and trading (live).",
    )
    testnet: bool = Field(
        default=False,
        description="Talk to the venue's testnet / sandbox instead of mainnet.",
    )
    api_key: Secret | None = Field(default=None, description="API key (secret). Never enable withdrawals.")
    api_secret: Secret | None = Field(default=None, description="API secret (secret).")
    passphrase: Secret | None = Field(
        default=None,
        description="API passphrase (secret), for venues that use one: okx, kucoinfutures, bitget.",
    )
    private_key: Secret | None = Field(
        default=None,
        description="Wallet private key (secret), for on-chain venues: hyperliquid, dydx, paradex, ...",
    )
    wallet_address: str | None = Field(
        default=None, description="Wallet address for on-chain venues (public, so not masked)."
    )
    default_leverage: Leverage = Field(
        default=Decimal(2), description="Leverage set on every symbol of this venue unless listed below."
    )
    leverage_by_symbol: dict[str, Leverage] = Field(
        default_factory=dict, description="Leverage per symbol (ccxt unified, e.g. BTC/USDT:USDT: 3)."
    )

    @field_validator("leverage_by_symbol")
    @classmethod
    def _perp_symbols_only(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for symbol in value:
            if not _PERP_SYMBOL.match(symbol):
                raise ValueError(f"{symbol!r} is not a perpetual symbol; expected BASE/QUOTE:SETTLE")
        return value

    @property
    def has_credentials(self) -> bool:
        return self.api_key is not None or self.private_key is not None

    def leverage_for(self, symbol: str) -> Decimal:
        return self.leverage_by_symbol.get(symbol, self.default_leverage)


def _default_venues() -> dict[str, VenueConfig]:
    return {vid: VenueConfig(enabled=vid in DEFAULT_ENABLED_VENUES) for vid in KNOWN_VENUES}


# -- data --------------------------------------------------------------------------------------


class ArbitrageScannerConfig(Section):
    """The secondary funding source: validates exchange data, fills gaps, flags discrepancies."""

    enabled: bool = Field(
        default=True,
        description="Use ArbitrageScanner as the secondary source (paper/live).",
    )
    funding_table_url: HttpUrlText = Field(
        default="https://screener.arbitragescanner.io/api/funding-table",
        description="Funding table endpoint.",
    )
    exchanges_url: HttpUrlText = Field(
        default="https://api.arbitragescanner.io/exchanges", description="Exchange registry endpoint."
    )
    refresh_seconds: Seconds = Field(default=5.0, description="How often to fetch the funding table.")
    exchanges_refresh_seconds: Seconds = Field(default=3600.0, description="How often to fetch the registry.")
    stale_after_seconds: Seconds = Field(
        default=30.0,
        description="A row of the table older than this stands in for no venue rate, and shows stale.",
    )
    timeout_seconds: Seconds = Field(default=10.0, description="HTTP timeout per request.")
    retry_attempts: int = Field(
        default=3, ge=0, le=10, description="Retries after a failed fetch of the table, before backing off."
    )
    retry_delay_seconds: Seconds = Field(default=1.0, description="Pause before each retry.")
    tolerance: Share = Field(
        default=Decimal("0.0005"),
        description=(
            "Largest difference between the exchange's rate and ArbitrageScanner's (per funding "
            "interval, 0.0005 = 0.05 %) still counted as agreement; beyond it the row is flagged."
        ),
    )


class SimConfig(Section):
    """The embedded simulated market, the data source and counterparty in `sim` mode."""

    seed: int = Field(default=7, ge=0, description="Random seed: the same seed replays the same market.")
    speed: float = Field(
        default=1.0, gt=0, le=10_000, description="Time acceleration (60 = one simulated minute per second)."
    )


class DataConfig(Section):
    """Where market data comes from and how fresh it must be."""

    exchange_refresh_seconds: Seconds = Field(
        default=5.0, description="How often each venue's funding rates are fetched (primary source)."
    )
    stale_after_seconds: Seconds = Field(
        default=30.0, description="A venue's data older than this is flagged stale and not traded on."
    )
    request_timeout_seconds: Seconds = Field(default=10.0, description="Timeout of one venue API call.")
    websockets: bool = Field(
        default=True,
        description=(
            "Stream funding over websockets where the venue offers it (REST polling stays as "
            "fallback and a slower safety net)."
        ),
    )
    arbitragescanner: ArbitrageScannerConfig = Field(
        default_factory=ArbitrageScannerConfig, description="The secondary funding source."
    )
    sim: SimConfig = Field(default_factory=SimConfig, description="The simulated market.")


# -- strategy (seed 001 Appendix B.1, B.2, B.4; seed 000 §5.1) ----------------------------------

OpportunityType = Literal["perp_perp", "spot_perp"]


class StrategyConfig(Section):
    """Which opportunities qualify, how entries are executed, how capital is used."""

    opportunity_types: tuple[OpportunityType, ...] = Field(
        default=("perp_perp", "spot_perp"),
        description="Kinds of trade to look for: perp_perp (cross-venue), spot_perp (same venue).",
    )
    symbols: tuple[str, ...] = Field(
        default=(), description="Only these symbols (ccxt unified); empty = every listed symbol."
    )
    blacklist: tuple[str, ...] = Field(default=(), description="Never trade these symbols.")
    min_funding_rate: Share = Field(
        default=Decimal("0.0001"),
        description="Smallest funding rate difference per 8 h worth considering (0.0001 = 0.01 %).",
    )
    min_net_apr: Annotated[Decimal, Field(ge=0, le=100)] = Field(
        default=Decimal("0.10"),
        description="Smallest net APR after all costs to propose a trade (0.10 = 10 %).",
    )
    max_spread: Share = Field(
        default=Decimal("0.005"),
        description="Largest entry price spread between the two legs (0.005 = 0.5 %).",
    )
    min_liquidity_multiple: PositiveDecimal = Field(
        default=Decimal(3), description="Book depth needed near the touch, as a multiple of the target size."
    )
    min_volume_24h_usd: Annotated[Decimal, Field(ge=0)] = Field(
        default=Decimal(1_000_000), description="Smallest 24 h volume (USD) of a market we trade."
    )
    min_open_interest_usd: Annotated[Decimal, Field(ge=0)] = Field(
        default=Decimal(500_000), description="Smallest open interest (USD) of a perpetual we trade."
    )
    funding_history_days: int = Field(
        default=7, ge=1, le=365, description="Days of funding history used for prediction and stability."
    )
    min_prediction_confidence: Share = Field(
        default=Decimal("0.60"),
        description="A rate prediction below this confidence is ignored (0.60 = 60 %).",
    )
    max_slippage: Share = Field(
        default=Decimal("0.001"), description="Largest expected slippage per leg at entry (0.001 = 0.1 %)."
    )
    order_timeout_seconds: Seconds = Field(
        default=30.0,
        description="Cancel an unfilled entry order after this.",
    )
    max_retry_attempts: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Retries of a failed order submission.",
    )
    entry_window_hours: Annotated[Decimal, Field(ge=0, le=24)] = Field(
        default=Decimal(2), description="Enter at most this long before the next funding settlement."
    )
    market_order_liquidity_multiple: PositiveDecimal = Field(
        default=Decimal(2), description="Depth needed to use a market order, as a multiple of the order size."
    )
    negative_spread_tolerance: Share = Field(
        default=Decimal("0.0001"),
        description="Close a position when its funding spread falls below minus this (per 8 h).",
    )
    reserve_share: Share = Field(
        default=Decimal("0.20"),
        description="Share of capital never deployed: the reserve pool (0.20 = 20 %).",
    )
    max_capital_utilization: Share = Field(
        default=Decimal("0.80"), description="Largest share of capital deployed at once (0.80 = 80 %)."
    )
    min_hold_funding_periods: int = Field(
        default=2, ge=0, le=1000, description="Hold a position through at least this many settlements."
    )
    max_hold_days: int = Field(default=30, ge=1, le=3650, description="Exit a position older than this.")
    reallocation_min_apr_gain: Share = Field(
        default=Decimal("0.02"),
        description="Move capital only for at least this APR improvement (0.02 = 2 %).",
    )

    @field_validator("symbols", "blacklist")
    @classmethod
    def _unified_symbols(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for symbol in value:
            if not _ANY_SYMBOL.match(symbol):
                raise ValueError(f"{symbol!r} is not a ccxt unified symbol such as BTC/USDT:USDT")
        return value

    @model_validator(mode="after")
    def _reserve_fits(self) -> StrategyConfig:
        if self.reserve_share + self.max_capital_utilization > 1:
            raise ValueError(
                f"strategy.reserve_share {self.reserve_share} + strategy.max_capital_utilization "
                f"{self.max_capital_utilization} is not allowed: together at most 1"
            )
        return self


# -- risk (seed 001 §8.3 and Appendix B.3) -------------------------------------------------------

RiskProfileName = Literal["conservative", "standard", "aggressive"]


class RiskLimits(Section):
    """The limits of one risk profile. Shares are of total capital."""

    max_position_share: Share = Field(description="Largest single position (0.05 = 5 % of capital).")
    max_leverage: Leverage = Field(description="Largest leverage on any leg.")
    max_venue_share: Share = Field(description="Largest exposure to one venue (share of capital).")
    max_drawdown: Share = Field(description="Drawdown from peak equity that halts new entries.")
    max_asset_share: Share = Field(description="Largest exposure to one asset (share of capital).")


# Seed 001 §8.3. A profile given in part (e.g. only risk.standard.max_leverage) keeps the rest.
PROFILE_DEFAULTS: dict[str, dict[str, Decimal]] = {
    "conservative": {
        "max_position_share": Decimal("0.02"),
        "max_leverage": Decimal(2),
        "max_venue_share": Decimal("0.25"),
        "max_drawdown": Decimal("0.03"),
        "max_asset_share": Decimal("0.15"),
    },
    "standard": {
        "max_position_share": Decimal("0.05"),
        "max_leverage": Decimal(3),
        "max_venue_share": Decimal("0.35"),
        "max_drawdown": Decimal("0.05"),
        "max_asset_share": Decimal("0.20"),
    },
    "aggressive": {
        "max_position_share": Decimal("0.10"),
        "max_leverage": Decimal(5),
        "max_venue_share": Decimal("0.50"),
        "max_drawdown": Decimal("0.10"),
        "max_asset_share": Decimal("0.30"),
    },
}


class RiskConfig(Section):
    """Risk limits: three profiles (seed 001 §8.3), the active one, and limits common to all."""

    profile: RiskProfileName = Field(default="standard", description="The active profile.")
    conservative: RiskLimits = Field(
        default_factory=lambda: RiskLimits(**PROFILE_DEFAULTS["conservative"]),
        description="Capital preservation: small positions, low leverage.",
    )
    standard: RiskLimits = Field(
        default_factory=lambda: RiskLimits(**PROFILE_DEFAULTS["standard"]),
        description="Balanced risk and return.",
    )
    aggressive: RiskLimits = Field(
        default_factory=lambda: RiskLimits(**PROFILE_DEFAULTS["aggressive"]),
        description="Larger positions in favourable conditions.",
    )
    max_position_usd: PositiveDecimal = Field(
        default=Decimal(50_000), description="Largest notional per symbol in USD, whatever the profile."
    )
    margin_buffer_multiple: PositiveDecimal = Field(
        default=Decimal(3), description="Margin kept per leg, as a multiple of the maintenance margin."
    )
    delta_tolerance: Share = Field(
        default=Decimal("0.02"), description="Largest net delta of a position, as a share of its notional."
    )
    min_liquidation_distance: Share = Field(
        default=Decimal("0.20"),
        description="Warn when price is closer than this to liquidation (0.20 = 20 %).",
    )
    critical_liquidation_distance: Share = Field(
        default=Decimal("0.10"), description="Exit at once when price is closer than this to liquidation."
    )
    max_margin_ratio: Share = Field(
        default=Decimal("0.50"), description="Warn when maintenance margin exceeds this share of equity."
    )
    liquidation_cooldown_minutes: int = Field(
        default=60,
        ge=0,
        le=10_080,
        description="No new entries on a symbol for this long after a liquidation.",
    )

    @model_validator(mode="before")
    @classmethod
    def _profiles_over_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        merged = dict(data)
        for name, defaults in PROFILE_DEFAULTS.items():
            given = data.get(name)
            if isinstance(given, dict):
                merged[name] = {**defaults, **given}
        return merged

    @property
    def limits(self) -> RiskLimits:
        """The limits of the active profile."""
        limits: RiskLimits = getattr(self, self.profile)
        return limits

    @model_validator(mode="after")
    def _distances_ordered(self) -> RiskConfig:
        if self.critical_liquidation_distance > self.min_liquidation_distance:
            raise ValueError(
                f"risk.critical_liquidation_distance {self.critical_liquidation_distance} is not "
                f"allowed: at most risk.min_liquidation_distance ({self.min_liquidation_distance})"
            )
        return self


# -- trading -----------------------------------------------------------------------------------

TradingMode = Literal["sim", "paper", "live"]
ApprovalMode = Literal["manual", "auto", "off"]


class TradingConfig(Section):
    """How trades happen: against what, with whose approval, with how much capital."""

    mode: TradingMode = Field(
        default="sim",
        description=(
            "sim: the embedded simulated market, no network, no keys. paper: live public data, "
            "simulated fills. live: real orders (needs keys, and the master password again)."
        ),
    )
    approval: ApprovalMode = Field(
        default="manual",
        description=(
            "manual: every proposal waits for a person (a / r). auto: proposals within the risk "
            "limits execute. off: proposals are shown, nothing is sent."
        ),
    )
    capital_usd: PositiveDecimal = Field(
        default=Decimal(10_000),
        description="Starting capital in sim and paper mode (live uses real balances).",
    )
    max_open_positions: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Most hedged positions open at once.",
    )
    leg_out_deadline_seconds: Seconds = Field(
        default=5.0, description="A leg unhedged for longer than this is hedged or unwound at market."
    )
    entry_buffer_minutes: int = Field(
        default=20, ge=0, le=480, description="Aim to be fully entered this long before a funding settlement."
    )


# -- alerts ------------------------------------------------------------------------------------

AlertLevel = Literal["info", "warning", "critical"]


class TelegramConfig(Section):
    enabled: bool = Field(default=False, description="Send alerts to a Telegram chat.")
    bot_token: Secret | None = Field(default=None, description="Bot token from @BotFather (secret).")
    chat_id: str | None = Field(default=None, description="Chat or channel id to post to.")

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> TelegramConfig:
        if self.enabled and (self.bot_token is None or not self.chat_id):
            raise ValueError(
                "alerts.telegram.enabled true is not allowed without alerts.telegram.bot_token "
                "and alerts.telegram.chat_id: set them first"
            )
        return self


class WebhookConfig(Section):
    enabled: bool = Field(default=False, description="POST alerts as JSON to a URL.")
    url: Secret | None = Field(
        default=None, description="Webhook URL (secret: Slack/Discord URLs embed their token)."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _check_url(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> WebhookConfig:
        if self.enabled and self.url is None:
            raise ValueError(
                "alerts.webhook.enabled true is not allowed without alerts.webhook.url: set it first"
            )
        return self


class AlertsConfig(Section):
    """Where alerts go besides the events screen."""

    min_level: AlertLevel = Field(default="warning", description="Send alerts of this level and above.")
    terminal_bell: bool = Field(default=True, description="Ring the terminal bell on critical alerts.")
    telegram: TelegramConfig = Field(default_factory=TelegramConfig, description="Telegram bot.")
    webhook: WebhookConfig = Field(default_factory=WebhookConfig, description="Generic webhook.")


# -- ui ----------------------------------------------------------------------------------------


class UIConfig(Section):
    """The terminal screens."""

    theme: str = Field(default="textual-dark", min_length=1, description="Textual theme name.")
    repaint_interval_ms: int = Field(
        default=250,
        ge=50,
        le=5000,
        description="Screens repaint at this steady pace, however fast data arrives.",
    )
    rate_display: Literal["apr", "per_hour", "per_interval"] = Field(
        default="apr",
        description="How funding rates are shown: annualised, per hour, or as the venue reports.",
    )
    max_table_rows: int = Field(default=500, ge=10, le=100_000, description="Rows kept in each table.")
    confirm_quit: bool = Field(
        default=True, description="Ask before q quits the desk (off: q stops the engine and quits at once)."
    )


# -- the whole config --------------------------------------------------------------------------


class NexusConfig(BaseSettings):
    """Everything the user configures. Valid with no keys at all: sim mode on the simulated market."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=True)

    venues: dict[str, VenueConfig] = Field(
        default_factory=_default_venues, description="Exchanges by ccxt id."
    )
    data: DataConfig = Field(default_factory=DataConfig, description="Market data sources.")
    strategy: StrategyConfig = Field(default_factory=StrategyConfig, description="Opportunity rules.")
    risk: RiskConfig = Field(default_factory=RiskConfig, description="Risk limits.")
    trading: TradingConfig = Field(default_factory=TradingConfig, description="Trading mode and approval.")
    alerts: AlertsConfig = Field(default_factory=AlertsConfig, description="Alert channels.")
    ui: UIConfig = Field(default_factory=UIConfig, description="The terminal screens.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The vault is the only source: credentials must never come from environment variables
        # or dotenv files (seed 003 §11.3), and a stray NEXUS_* variable must not change trading.
        return (init_settings,)

    @field_validator("venues", mode="before")
    @classmethod
    def _known_venues_filled_in(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(KNOWN_VENUES))
        if unknown:
            raise ValueError(f"unknown venue {unknown[0]!r}; known venues: {', '.join(KNOWN_VENUES)}")
        # A venue added in a later release appears with its defaults in an older saved config.
        merged: dict[str, Any] = dict(_default_venues())
        for vid, given in value.items():
            # A venue given in part keeps its own defaults (e.g. stays enabled).
            merged[vid] = (
                {"enabled": vid in DEFAULT_ENABLED_VENUES, **given} if isinstance(given, dict) else given
            )
        return {vid: merged[vid] for vid in KNOWN_VENUES}

    @model_validator(mode="after")
    def _live_needs_keys(self) -> NexusConfig:
        if self.trading.mode == "live" and not any(
            v.enabled and v.has_credentials for v in self.venues.values()
        ):
            raise ValueError(
                "trading.mode 'live' is not allowed yet: live trading needs an enabled venue with "
                "credentials (set venues.<id>.api_key with `config set venues.<id>.api_key -`)"
            )
        return self

    def enabled_venues(self) -> list[str]:
        return [vid for vid, venue in self.venues.items() if venue.enabled]


def default_config() -> NexusConfig:
    """The built-in defaults (what `config/default.yaml` spells out): sim mode, no keys."""
    return NexusConfig()
