"""Engine.pause()/resume(): new entries off and on again; a halt is not undone by either."""

from __future__ import annotations

from nexus_tui.core.clock import ManualClock
from nexus_tui.engine import Engine, TradingState


async def test_pause_and_resume_switch_active_and_reducing_and_say_so() -> None:
    engine = Engine(clock=ManualClock())
    events = engine.events()
    assert engine.pause("busy market") is True
    assert engine.trading_state is TradingState.REDUCING
    assert engine.pause() is False, "already paused"
    assert engine.resume("calm again") is True
    assert engine.trading_state is TradingState.ACTIVE
    assert engine.resume() is False, "already active"
    told = [(e.kind, e.data["reason"]) for e in events.drain()]
    assert told == [("trading.paused", "busy market"), ("trading.resumed", "calm again")]


async def test_neither_undoes_a_halt() -> None:
    engine = Engine(clock=ManualClock())
    await engine.kill("test")
    assert engine.pause() is False and engine.resume() is False
    assert engine.trading_state is TradingState.HALTED
