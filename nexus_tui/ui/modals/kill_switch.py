"""The kill switch confirmation: `y` halts everything, `n` / `escape` cancels."""

from __future__ import annotations

from nexus_tui.ui.modals.confirm import ConfirmModal

KILL_SWITCH_QUESTION = (
    "[b]KILL SWITCH[/b]\n\n"
    "Halt all trading now: the desk goes HALTED and opens nothing new.\n"
    "This build trades nothing yet, so there are no orders to cancel or positions to close;\n"
    "HALTED lasts until the desk is restarted.\n\n"
    "[b]y[/b] kill  ·  [b]n[/b] / [b]escape[/b] cancel"
)


class KillSwitchModal(ConfirmModal):
    def __init__(self) -> None:
        super().__init__(KILL_SWITCH_QUESTION, yes="Kill", no="Cancel", classes="kill-switch")
