"""Engine events and the bus that carries them to subscribers (the UI, alerts, recorders).

Subscribers get bounded queues. An event with a `coalesce_key` replaces a queued event with the
same key instead of queueing behind it, so a slow subscriber sees the latest state, never a
backlog of stale updates, and the producer never blocks (STYLE.md habit 4).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """Base event. `kind` is a short stable name (`funding.updated`, `venue.health`, ...)."""

    kind: str
    ts: datetime
    data: dict[str, Any] = field(default_factory=dict)
    coalesce_key: str | None = None  # same key: the newer replaces the older in a queue
    message: str = ""  # one line for the events log


class Subscription:
    """A bounded, coalescing queue of events for one subscriber."""

    def __init__(self, bus: EventBus, maxsize: int, accept: Callable[[Event], bool] | None = None) -> None:
        self._bus = bus
        self._maxsize = maxsize
        self._accept = accept
        self._items: OrderedDict[object, Event] = OrderedDict()
        self._seq = 0
        self._ready = asyncio.Event()
        self.dropped = 0
        self.closed = False

    def offer(self, event: Event) -> None:
        if self.closed or (self._accept is not None and not self._accept(event)):
            return
        if event.coalesce_key is not None:
            key: object = ("k", event.coalesce_key)
            self._items.pop(key, None)  # newest goes to the back, older copy dropped
        else:
            self._seq += 1
            key = ("s", self._seq)
        self._items[key] = event
        while len(self._items) > self._maxsize:
            self._items.popitem(last=False)
            self.dropped += 1
        self._ready.set()

    def get_nowait(self) -> Event | None:
        if not self._items:
            return None
        _, event = self._items.popitem(last=False)
        if not self._items:
            self._ready.clear()
        return event

    def drain(self) -> list[Event]:
        events = list(self._items.values())
        self._items.clear()
        self._ready.clear()
        return events

    async def get(self) -> Event:
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self.closed:
                raise asyncio.CancelledError
            self._ready.clear()
            await self._ready.wait()

    def __len__(self) -> int:
        return len(self._items)

    def close(self) -> None:
        self.closed = True
        self._ready.set()
        self._bus._unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while not self.closed:
            try:
                yield await self.get()
            except asyncio.CancelledError:
                return


class EventBus:
    """Fan-out of events to subscribers. `publish` never blocks and never raises."""

    def __init__(self) -> None:
        self._subscribers: list[Subscription] = []

    def subscribe(self, maxsize: int = 1000, accept: Callable[[Event], bool] | None = None) -> Subscription:
        sub = Subscription(self, maxsize, accept)
        self._subscribers.append(sub)
        return sub

    def _unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscribers:
            self._subscribers.remove(sub)

    def publish(self, event: Event) -> None:
        for sub in list(self._subscribers):
            sub.offer(event)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
