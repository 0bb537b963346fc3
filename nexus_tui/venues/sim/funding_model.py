"""The funding-rate process: premiums that mean-revert, switch regimes, spike, and differ by venue.

Each perpetual's premium on a venue is a sum of parts (all in per-interval fractions):

    premium = sensitivity * (market + scale * (symbol + spike)) + venue + scale * venue_symbol + bias

- `market`: the funding climate every symbol shares, an Ornstein-Uhlenbeck process whose mean and
  volatility switch between a calm, a hot (longs pay a lot) and a cold (shorts pay) regime;
- `symbol` and `spike`: the symbol's own deviation, and jumps that decay within hours;
- `venue` and `venue_symbol`: why the same coin pays differently on two exchanges: partly a
  venue-wide drift, partly per market, louder in a hot market than in a calm one. This is where
  cross-venue spreads come from; both mean-revert, so a spread that opens also closes;
- `sensitivity` and `bias`: how strongly a venue's premium follows the market, and where it sits;
- `scale`: larger for small caps (their funding swings wider than BTC's).

The venue then averages the premium over the funding interval and applies its own formula
(profiles.FundingFormula). All parameters come from calibration.py.

Everything advances in fixed steps (`STEP_MINUTES`); the market owns time and calls `step()`.
Floats inside for speed; the venue converts to Decimal at its boundary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nexus_tui.venues.sim import calibration as cal
from nexus_tui.venues.sim.profiles import FundingFormula
from nexus_tui.venues.sim.rng import stream
from nexus_tui.venues.sim.universe import SymbolSpec

STEP_MINUTES = 5
_STEPS_PER_HOUR = 60 // STEP_MINUTES
_BAND = 0.0005  # the +-0.05 % clamp around the interest rate (Binance, Bybit, Gate, Hyperliquid, ...)
_INTEREST_8H = 0.0001  # 0.01 % per 8 h: the interest component every clamp venue uses
_SQRT3 = math.sqrt(3.0)


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One perpetual on one venue, as the funding model needs it."""

    venue_index: int
    symbol_index: int
    interval_hours: int
    formula: FundingFormula
    cap: float
    bias: float  # the venue's premium bias


@dataclass(frozen=True, slots=True)
class Spike:
    """A funding spike on one symbol this step, for the price model to move the price with it."""

    symbol_index: int
    size: float  # signed, per-interval premium fraction


def charged_rate(formula: FundingFormula, premium: float, interval_hours: int, cap: float) -> float:
    """The rate a venue charges for one interval given the interval's average premium."""
    if formula is FundingFormula.CLAMP:
        interest = _INTEREST_8H * interval_hours / 8
        rate = premium + min(_BAND, max(-_BAND, interest - premium))
    elif formula is FundingFormula.LINEAR:
        rate = premium + _INTEREST_8H * interval_hours / 8
    elif formula is FundingFormula.HOURLY_CLAMP:
        rate = (premium + min(_BAND, max(-_BAND, _INTEREST_8H - premium))) / 8
    else:
        rate = premium / 8
    return min(cap, max(-cap, rate))


def _ar(reversion_per_hour: float) -> float:
    """Per-step autoregression from the hourly one, so any step size keeps the hourly dynamics."""
    return (1.0 - reversion_per_hour) ** (1.0 / _STEPS_PER_HOUR)


def _innovation(vol_per_hour: float, reversion_per_hour: float) -> float:
    """Per-step shock size with the same stationary variance as the hourly process."""
    hourly_ar = 1.0 - reversion_per_hour
    step_ar = _ar(reversion_per_hour)
    return vol_per_hour * math.sqrt((1.0 - step_ar**2) / (1.0 - hourly_ar**2))


def _per_step(probability_per_hour: float) -> float:
    return 1.0 - (1.0 - probability_per_hour) ** (1.0 / _STEPS_PER_HOUR)


class FundingModel:
    """Premiums for every (venue, symbol) series, their interval averages, and the rates they imply."""

    def __init__(
        self,
        seed: int,
        venue_names: Sequence[str],
        symbols: Sequence[SymbolSpec],
        series: Sequence[SeriesSpec],
    ) -> None:
        self.series = tuple(series)
        self._symbols = tuple(symbols)
        mk = cal.MARKET
        sy = cal.SYMBOL
        self._market_rng = stream(seed, "funding", "market")
        self._symbol_rngs = [stream(seed, "funding", s.base) for s in symbols]
        # series grouped by symbol so one symbol's stream feeds its venues in a fixed order
        by_symbol: list[list[int]] = [[] for _ in symbols]
        for i, spec in enumerate(self.series):
            by_symbol[spec.symbol_index].append(i)
        self._by_symbol = [tuple(sorted(ix, key=lambda i: self.series[i].venue_index)) for ix in by_symbol]

        self._regime_means = (mk.calm_mean, mk.hot_mean, mk.cold_mean)
        self._market_ar = _ar(mk.reversion_per_hour)
        self._market_shock = tuple(
            _innovation(v, mk.reversion_per_hour) * math.sqrt(mk.market_share)
            for v in (mk.calm_vol, mk.hot_vol, mk.cold_vol)
        )
        self._symbol_shock = tuple(
            _innovation(v, mk.reversion_per_hour) * math.sqrt(1.0 - mk.market_share)
            for v in (mk.calm_vol, mk.hot_vol, mk.cold_vol)
        )
        self._leave_calm = _per_step(1.0 / mk.calm_hours)
        self._leave = (0.0, _per_step(1.0 / mk.hot_hours), _per_step(1.0 / mk.cold_hours))
        self._spike_decay = _ar(sy.spike_decay_per_hour)
        self._market_spike_p = _per_step(sy.spikes_per_hour * sy.market_spike_share)
        self._symbol_spike_p = [
            _per_step(
                sy.spikes_per_hour * (1.0 - sy.market_spike_share) * cal.SPIKE_RATE_BY_TIER[s.tier_index]
            )
            for s in symbols
        ]
        self._spike_up = [cal.SPIKE_UP_SHARE_BY_TIER[s.tier_index] for s in symbols]
        self._scales = [s.funding_scale for s in symbols]

        vp = [cal.VENUES[name] for name in venue_names]
        self._sensitivity = [v.sensitivity for v in vp]
        regime_vols = (mk.calm_vol, mk.hot_vol, mk.cold_vol)
        # per regime, per venue: how much louder the venue's own noise is than in a calm market
        # (times sqrt(3), the Irwin-Hall normal's scale)
        self._noise_mult3 = tuple(
            [(vol / mk.calm_vol) ** v.hot_noise_exponent * _SQRT3 for v in vp] for vol in regime_vols
        )
        self._series_venue = [s.venue_index for s in self.series]
        self._venue_ar = [_ar(v.idio_reversion_per_hour) for v in vp]
        self._venue_shock = [
            _innovation(v.idio_vol_per_hour, v.idio_reversion_per_hour) * math.sqrt(v.venue_wide_share)
            for v in vp
        ]
        self._series_ar = [self._venue_ar[s.venue_index] for s in self.series]
        self._series_shock = [
            _innovation(vp[s.venue_index].idio_vol_per_hour, vp[s.venue_index].idio_reversion_per_hour)
            * math.sqrt(1.0 - vp[s.venue_index].venue_wide_share)
            for s in self.series
        ]

        # start in the stationary state of the calm regime so the first minutes look like any others
        rng = self._market_rng
        self.regime = 0
        calm_sd = _stationary(mk.calm_vol, mk.reversion_per_hour)
        self.market = mk.calm_mean + rng.gauss(0.0, calm_sd * math.sqrt(mk.market_share))
        self.market_spike = 0.0
        self.venue = [
            rng.gauss(
                0.0,
                _stationary(v.idio_vol_per_hour, v.idio_reversion_per_hour) * math.sqrt(v.venue_wide_share),
            )
            for v in vp
        ]
        self.symbol = [0.0] * len(symbols)
        self.spike = [0.0] * len(symbols)
        self.venue_symbol = [0.0] * len(self.series)
        symbol_sd = calm_sd * math.sqrt(1.0 - mk.market_share)
        for s_index, r in enumerate(self._symbol_rngs):
            self.symbol[s_index] = r.gauss(0.0, symbol_sd)
            for i in self._by_symbol[s_index]:
                v = vp[self.series[i].venue_index]
                sd = _stationary(v.idio_vol_per_hour, v.idio_reversion_per_hour) * math.sqrt(
                    1.0 - v.venue_wide_share
                )
                self.venue_symbol[i] = r.gauss(0.0, sd)
        self.premium = [0.0] * len(self.series)
        self._window_sum = [0.0] * len(self.series)
        self._window_n = [0] * len(self.series)
        self._refresh_premiums()
        for i, p in enumerate(self.premium):
            self._window_sum[i] = p
            self._window_n[i] = 1

    # -- time ----------------------------------------------------------------------------
    def step(self) -> list[Spike]:
        """Advance every series by one STEP_MINUTES step; returns this step's symbol spikes."""
        rng = self._market_rng
        if self.regime == 0:
            if rng.random() < self._leave_calm:
                self.regime = 1 if rng.random() < cal.MARKET.hot_share else 2
        elif rng.random() < self._leave[self.regime]:
            self.regime = 0
        regime = self.regime
        ar = self._market_ar
        self.market = self._regime_means[regime] + ar * (self.market - self._regime_means[regime])
        self.market += self._market_shock[regime] * rng.gauss(0.0, 1.0)
        spikes: list[Spike] = []
        self.market_spike *= self._spike_decay
        if rng.random() < self._market_spike_p:
            size = _spike_size(rng.random(), rng.expovariate(1.0), cal.SYMBOL.spike_up_share)
            self.market_spike += size
            spikes.extend(Spike(s, size) for s in range(len(self._symbols)))
        # Irwin-Hall unit normals, (u1 + u2 + u3 + u4 - 2) * sqrt(3): a tenth of random.gauss's
        # cost; the hourly sums the calibration matched are Gaussian either way.
        venue = self.venue
        venue_mult = self._noise_mult3[regime]
        u = rng.random
        for v in range(len(venue)):
            venue[v] = self._venue_ar[v] * venue[v] + (
                self._venue_shock[v] * venue_mult[v] * (u() + u() + u() + u() - 2.0)
            )

        symbol_shock = self._symbol_shock[regime] * _SQRT3
        decay = self._spike_decay
        symbol, spike, venue_symbol = self.symbol, self.spike, self.venue_symbol
        series_ar, series_shock, series_venue = self._series_ar, self._series_shock, self._series_venue
        spike_p = self._symbol_spike_p
        for s, r in enumerate(self._symbol_rngs):
            u = r.random
            symbol[s] = ar * symbol[s] + symbol_shock * (u() + u() + u() + u() - 2.0)
            spike[s] *= decay
            if u() < spike_p[s]:
                size = _spike_size(u(), r.expovariate(1.0), self._spike_up[s])
                spike[s] += size
                spikes.append(Spike(s, size * self._scales[s]))
            for i in self._by_symbol[s]:
                venue_symbol[i] = series_ar[i] * venue_symbol[i] + (
                    series_shock[i] * venue_mult[series_venue[i]] * (u() + u() + u() + u() - 2.0)
                )
        self._refresh_premiums()
        window_sum, window_n = self._window_sum, self._window_n
        for i, p in enumerate(self.premium):
            window_sum[i] += p
            window_n[i] += 1
        return spikes

    def _refresh_premiums(self) -> None:
        market = self.market + self.market_spike
        scales, symbol, spike = self._scales, self.symbol, self.spike
        venue, venue_symbol, sensitivity = self.venue, self.venue_symbol, self._sensitivity
        premium = self.premium
        for s, indexes in enumerate(self._by_symbol):
            scale = scales[s]
            common = market + scale * (symbol[s] + spike[s])
            for i in indexes:
                spec = self.series[i]
                v = spec.venue_index
                premium[i] = sensitivity[v] * common + venue[v] + scale * venue_symbol[i] + spec.bias

    # -- rates -----------------------------------------------------------------------------
    def current_rate(self, i: int) -> float:
        """The rate the next settlement will charge if the premium stays where it averaged so far."""
        spec = self.series[i]
        n = self._window_n[i]
        average = self._window_sum[i] / n if n else self.premium[i]
        return charged_rate(spec.formula, average, spec.interval_hours, spec.cap)

    def predicted_rate(self, i: int) -> float:
        """The rate a whole interval at today's premium would charge (where the rate is heading)."""
        spec = self.series[i]
        return charged_rate(spec.formula, self.premium[i], spec.interval_hours, spec.cap)

    def settle(self, i: int) -> float:
        """Close series i's funding window: return the rate charged and start a new window."""
        rate = self.current_rate(i)
        self._window_sum[i] = 0.0
        self._window_n[i] = 0
        return rate


def _stationary(vol_per_hour: float, reversion_per_hour: float) -> float:
    ar = 1.0 - reversion_per_hour
    return vol_per_hour / math.sqrt(1.0 - ar * ar)


def _spike_size(sign_draw: float, magnitude: float, up_share: float) -> float:
    size = magnitude * cal.SYMBOL.spike_scale
    return size if sign_draw < up_share else -size
