"""The kill switch confirmation: `y` halts everything, `n` / `escape` cancels."""

from __future__ import annotations

from nexus_tui.ui.modals.confirm import ConfirmModal

KILL_SWITCH_QUESTION = (
    "[b]KILL SWITCH[/b]\n\n"
    "Halt all trading now: cancel every open order, close every position (reduce-only, "
    "all venues at once) and stop automation.\n"
    "The desk stays HALTED, across restarts too, until a person resets it.\n\n"
    "[b]y[/b] kill  ·  [b]n[/b] / [b]escape[/b] cancel"
)


class KillSwitchModal(ConfirmModal):
    def __init__(self) -> None:
        super().__init__(KILL_SWITCH_QUESTION, yes="Kill", no="Cancel", classes="kill-switch")
