"""One field that takes a new password twice, in key order.

Keys that arrive together with `enter` (a paste, a laggy SSH link, a fast typist) are delivered
to whatever had focus when they arrived, before any handler could move focus to a second field.
So the repeat is typed into the same field, and `enter` clears it for the repeat inside the
field's own message queue: the keys queued behind that `enter` land in the repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import Input

FIRST_PLACEHOLDER = "new master password"
REPEAT_PLACEHOLDER = "type it again"


class NewPasswordField(Input):
    @dataclass
    class Repeating(Message):
        """The first entry is in; the field now waits for the repeat."""

        field: NewPasswordField

    @dataclass
    class Entered(Message):
        """Both entries are in (they may differ: the screen decides what to say)."""

        field: NewPasswordField
        password: str
        repeat: str

    @dataclass
    class Empty(Message):
        """Enter on an empty field."""

        field: NewPasswordField

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(password=True, placeholder=FIRST_PLACEHOLDER, id=id)
        self.first_entry: str | None = None

    @property
    def repeating(self) -> bool:
        return self.first_entry is not None

    async def _on_key(self, event: events.Key) -> None:
        # Enter is taken here, in this field's own queue, instead of through the Input's `enter`
        # binding: bindings run only after the key bubbles back to the App, by which time the
        # keys that followed it have already been delivered to this field.
        # (Input._on_key still runs for every other key: Textual dispatches each class's handler.)
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            await self.action_submit()

    async def action_submit(self) -> None:
        entry, self.value = self.value, ""
        if not entry:
            self.post_message(self.Empty(self))
        elif self.first_entry is None:
            self.first_entry = entry
            self.placeholder = REPEAT_PLACEHOLDER
            self.post_message(self.Repeating(self))
        else:
            first = self.first_entry
            self.start_over()
            self.post_message(self.Entered(self, first, entry))

    def start_over(self) -> None:
        self.first_entry = None
        self.value = ""
        self.placeholder = FIRST_PLACEHOLDER
