"""Parameters of the funding model, calibrated on real funding history.

Where they come from
--------------------
Real per-interval funding rates of the BTC and ETH USDT perpetuals (MIT-licensed public data sets):
Binance 2020-2023, Bybit, Gate, HTX, KuCoin 2021-2023 (8 h; supervik/historical-funding-rates-fetcher),
OKX and Binance 2023-01 to 2024-07 (8 h; AHA-HH/optimising-funding-rate-arbitrage), dYdX v3 2022-2023
(1 h; supervik) and Hyperliquid BTC June-July 2023 (1 h; 955 rows from the official Python SDK's
recorded test cassettes). The project never reads those files; a one-off script outside it did, and
its results are the constants below. Timestamps were first put on UTC (the supervik files for
Binance/Bybit/HTX/KuCoin are in UTC+3, AHA-HH in London time; after shifting, the two Binance
series agree exactly on all 1,095 common instants).

How
---
1. The market and symbol parts were fitted by simulated method of moments to Binance (BTC and ETH
   pooled, 8,766 rates): the model was simulated for six years on a fixed set of random numbers and
   a random coordinate search minimised the squared, scaled distance between simulated and real
   quantiles (1, 5, 10, 25, 50, 75, 90, 95, 99 %), the share of rates exactly at 0.01 %, below
   it and below zero, and the lag-1 autocorrelation. The result reproduces all of them within
   0.3 bp (e.g. 99 % quantile 14.4 bp both; 41 % exactly at 0.01 % both; 13 % negative both).
2. The split between the market-wide and the symbol-specific part was set so the same-venue
   correlation of BTC and ETH funding is ~0.82, Binance's.
3. Each other venue's bias, idiosyncratic noise, sensitivity to the market and extra noise in hot
   regimes were fitted to its own quantiles and shares and to its correlation with Binance at the
   same instants (Binance-Bybit 0.72-0.76, Binance-Gate 0.55-0.59, Binance-HTX 0.63-0.66). OKX and
   dYdX, whose data cover a calmer era, were fitted to their ratios to Binance over the same
   dates (OKX: std 1.4x Binance's, correlation 0.65, 26 % negative, never sticky; dYdX: 8 h sums
   1.9x as volatile, correlation 0.59, 37 % of hours negative). Hyperliquid's data are thin (39
   days), so only its stickiness (15 % of hours at 0.00125 %), negative share (8 %) and
   autocorrelation were targeted, with a loose correlation to Binance.
4. Bitget has no public history in the data; it reuses HTX's fit, the closest venue in size.

Units: premiums and biases are fractions per funding interval on the 8 h basis (0.0001 = 0.01 %);
"per hour" numbers describe the hourly dynamics (the model steps every 5 minutes with the exact
equivalent). Tier factors for altcoins are not in the data (BTC and ETH only): they were set so
the cross-section of a simulated market resembles Binance's 2024-11-27 snapshot of 375 perps
(median 0.01 %, a few % negative, tails to -0.3 % / +0.13 % per interval).
"""

from __future__ import annotations

from dataclasses import dataclass

_BP = 1e-4


@dataclass(frozen=True, slots=True)
class MarketClimate:
    """The funding climate shared by all symbols: an OU process with regime-dependent mean and vol."""

    reversion_per_hour: float
    calm_mean: float
    hot_mean: float
    cold_mean: float
    calm_vol: float  # per sqrt(hour)
    hot_vol: float
    cold_vol: float
    calm_hours: float  # expected time in each regime
    hot_hours: float
    cold_hours: float
    hot_share: float  # of the exits from calm, the share that go hot (the rest go cold)
    market_share: float  # share of the OU variance common to all symbols (the rest is per symbol)


@dataclass(frozen=True, slots=True)
class SymbolDeviation:
    """Spikes: jumps in a symbol's premium that decay within hours."""

    spikes_per_hour: float
    spike_scale: float  # mean absolute size
    spike_up_share: float  # BTC/ETH spikes are (almost) all upward: longs piling in
    spike_decay_per_hour: float
    market_spike_share: float  # share of spikes that hit every symbol at once


@dataclass(frozen=True, slots=True)
class VenueFunding:
    """How one venue's premium departs from the market's."""

    bias: float  # where its premium sits on average relative to the market
    sensitivity: float  # multiplies the market and symbol parts
    idio_vol_per_hour: float  # venue-specific noise in a calm market
    idio_reversion_per_hour: float
    hot_noise_exponent: float  # noise scales with (regime vol / calm vol) ** this
    venue_wide_share: float = 0.5  # of that noise, the share common to all the venue's symbols


MARKET = MarketClimate(
    reversion_per_hour=0.0476,  # half-life ~14 h
    calm_mean=0.0,
    hot_mean=12.23 * _BP,
    cold_mean=-2.41 * _BP,
    calm_vol=0.223 * _BP,
    hot_vol=0.938 * _BP,
    cold_vol=0.189 * _BP,
    calm_hours=405.9,  # ~17 days
    hot_hours=202.7,  # ~8 days
    cold_hours=122.4,  # ~5 days
    hot_share=0.586,
    market_share=0.8,
)

SYMBOL = SymbolDeviation(
    spikes_per_hour=0.00504,  # about one every 8 days
    spike_scale=11.93 * _BP,
    spike_up_share=1.0,
    spike_decay_per_hour=0.0667,  # half-life ~10 h
    market_spike_share=0.75,
)

# Tier 1 = BTC/ETH (calibrated); smaller coins spike more often and more often downward.
SPIKE_RATE_BY_TIER = (1.0, 1.5, 2.5, 4.0)
SPIKE_UP_SHARE_BY_TIER = (1.0, 0.8, 0.65, 0.55)

VENUES: dict[str, VenueFunding] = {
    # name: bias, sensitivity, idiosyncratic vol per sqrt(hour), its reversion per hour, hot-noise exponent
    "binance": VenueFunding(-4.221 * _BP, 1.0, 0.0368 * _BP, 0.358, 0.0),
    "bybit": VenueFunding(-4.042 * _BP, 0.954, 0.297 * _BP, 0.060, 1.5),
    "okx": VenueFunding(-0.692 * _BP, 0.373, 0.572 * _BP, 0.133, 1.209),
    "gate": VenueFunding(-4.159 * _BP, 0.659, 0.423 * _BP, 0.092, 1.5),
    "bitget": VenueFunding(-4.061 * _BP, 0.706, 0.440 * _BP, 0.087, 1.236),  # HTX's fit
    "kucoin": VenueFunding(-4.072 * _BP, 0.856, 0.600 * _BP, 0.170, 1.5),
    "hyperliquid": VenueFunding(-2.0 * _BP, 1.0, 0.5 * _BP, 0.1, 1.0),
    "dydx": VenueFunding(0.0, 1.5, 0.5 * _BP, 0.1, 1.0),
}
