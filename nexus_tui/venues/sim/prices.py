"""Index prices of the simulated market: BTC leads, the rest follow it with their own noise.

Log prices take a Gaussian step every `STEP_SECONDS`. An altcoin's return is `beta` times BTC's plus
its own noise, sized so its total daily volatility is the tier's. Funding spikes come with a price
jump in the same direction (longs paying 0.1 % per 8 h do not appear while the price sits still),
and every jump raises the symbol's activity, which widens its spreads for a few minutes.
Activity is the recent absolute move in units of the symbol's usual move, 0.8 when all is quiet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nexus_tui.venues.sim.funding_model import Spike
from nexus_tui.venues.sim.rng import stream
from nexus_tui.venues.sim.universe import SymbolSpec

STEP_SECONDS = 10
_SECONDS_PER_DAY = 86_400.0
# A funding spike of 0.01 % per interval comes with a 0.25 % price move (capped at 10 %).
_PRICE_MOVE_PER_PREMIUM = 25.0
_MAX_SPIKE_MOVE = 0.10
_ACTIVITY_MEMORY = 0.7  # per 5-minute update: a shock's effect on spreads halves in ~10 minutes
_CALM_ACTIVITY = math.sqrt(2.0 / math.pi)  # E|N(0,1)|: the activity of a quiet market
_SQRT6 = math.sqrt(6.0)
ACTIVITY_WINDOW_STEPS = 30  # update_activity() runs every 5 minutes
_MAX_ACTIVITY = 8.0  # spreads widen at most ~10x, even in a crash


class PriceModel:
    def __init__(self, seed: int, symbols: Sequence[SymbolSpec]) -> None:
        if not symbols or symbols[0].base != "BTC":
            raise ValueError("the universe must start with BTC: every other symbol follows it")
        dt = STEP_SECONDS / _SECONDS_PER_DAY
        btc_vol = symbols[0].daily_vol
        self._draws = [stream(seed, "price", s.base).random for s in symbols]
        self._beta = [s.beta for s in symbols]
        own_sigma = []
        for s in symbols:
            own_var = s.daily_vol**2 - (s.beta * btc_vol) ** 2
            own_var = max(own_var, (0.3 * s.daily_vol) ** 2)  # every alt keeps some noise of its own
            own_sigma.append(math.sqrt(own_var * dt))
        own_sigma[0] = btc_vol * math.sqrt(dt)
        self._own = [sigma * _SQRT6 for sigma in own_sigma]  # folded in: (u1 + u2 - 1) * sqrt(6) ~ N(0, 1)
        window = ACTIVITY_WINDOW_STEPS * dt
        self._inv_window_sigma = [1.0 / (s.daily_vol * math.sqrt(window)) for s in symbols]
        self.log_price = [math.log(s.reference_price) for s in symbols]
        self.previous_log_price = list(self.log_price)
        self.activity = [_CALM_ACTIVITY] * len(symbols)
        self._activity_mark = list(self.log_price)

    def price(self, s: int) -> float:
        return math.exp(self.log_price[s])

    def previous_price(self, s: int) -> float:
        return math.exp(self.previous_log_price[s])

    def step(self, spikes: Sequence[Spike] = ()) -> None:
        log_price = self.log_price
        self.previous_log_price = log_price[:]
        beta, own, draws = self._beta, self._own, self._draws
        # Triangular noise, (u1 + u2 - 1) * sqrt(6), is a unit-variance stand-in for a normal at a
        # fraction of random.gauss's cost; a minute's or an hour's return is Gaussian either way,
        # and big moves come from the jumps.
        u = draws[0]
        btc_return = own[0] * (u() + u() - 1.0)
        log_price[0] += btc_return
        for s in range(1, len(log_price)):
            u = draws[s]
            log_price[s] += beta[s] * btc_return + own[s] * (u() + u() - 1.0)
        for spike in spikes:
            move = max(-_MAX_SPIKE_MOVE, min(_MAX_SPIKE_MOVE, spike.size * _PRICE_MOVE_PER_PREMIUM))
            log_price[spike.symbol_index] += move
            self._excite(spike.symbol_index, move)

    def shock(self, s: int, move: float) -> None:
        """A sudden move of one coin's index by the fraction `move`."""
        jump = math.log1p(move)
        self.log_price[s] += jump
        self._excite(s, jump)

    def _excite(self, s: int, jump: float) -> None:
        """A jump shows in the spreads at once, not at the next activity update."""
        self.activity[s] = min(_MAX_ACTIVITY, self.activity[s] + abs(jump) * self._inv_window_sigma[s])

    def update_activity(self) -> None:
        """Fold the move since the last call into each symbol's activity (called every few minutes)."""
        log_price, mark, activity, inv = (
            self.log_price,
            self._activity_mark,
            self.activity,
            self._inv_window_sigma,
        )
        keep = _ACTIVITY_MEMORY
        for s in range(len(log_price)):
            moved = abs(log_price[s] - mark[s]) * inv[s]
            activity[s] = min(_MAX_ACTIVITY, keep * activity[s] + (1.0 - keep) * moved)
        self._activity_mark = log_price[:]

    def spread_factor(self, s: int) -> float:
        """How much wider than usual the symbol's books are now (1 = a quiet market)."""
        return max(1.0, self.activity[s] / _CALM_ACTIVITY)
