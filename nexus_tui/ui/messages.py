"""Small messages the engine bridge posts to the App (STYLE.md habit 3: workers talk only via messages)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from nexus_tui.core.events import Event


@dataclass
class EngineEvents(Message):
    """Engine events that arrived since the previous batch, oldest first.

    The bridge batches whatever queued up while the UI was busy, so a burst of events costs one
    message and one repaint, never one each. `dropped` counts events the subscription had to
    discard because the UI fell more than a queue behind (shown on the events screen).
    """

    events: tuple[Event, ...]
    dropped: int = 0
