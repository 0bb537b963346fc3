"""One snapshot of the funding book per book version and desk second, shared by whoever reads it.

The Funding screen and the header's venue health strip both need the book's quotes about once a
second; a snapshot of 2,000 to 4,000 quotes costs milliseconds, so they share it. Ages inside a
snapshot are at most a second old, which is the resolution the screen shows them at.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from nexus_tui.market.funding_book import BookQuote, FundingBook

_snapshots: WeakKeyDictionary[FundingBook, tuple[tuple[int, int], list[BookQuote]]] = WeakKeyDictionary()


def current_quotes(book: FundingBook) -> list[BookQuote]:
    """`book.quotes()`, taken again only when the book changed or the desk clock's second did.
    The list is shared: read it, never change it."""
    key = (book.version, int(book.clock.now().timestamp()))
    held = _snapshots.get(book)
    if held is not None and held[0] == key:
        return held[1]
    quotes = book.quotes()
    _snapshots[book] = (key, quotes)
    return quotes
