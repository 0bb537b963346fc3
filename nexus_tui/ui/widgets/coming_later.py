"""A plain notice for a screen whose content a later issue brings."""

from __future__ import annotations

from textual.widgets import Static


class ComingLater(Static):
    """Says what the screen will show and that it is not there yet: no fake numbers meanwhile."""

    def __init__(self, what: str, when: str, *, id: str | None = None) -> None:
        super().__init__(f"[b]{what}[/b]\n\n{when}", id=id, classes="coming-later")
