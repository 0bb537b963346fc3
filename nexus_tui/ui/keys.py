"""The desk's key bindings, as data (STYLE.md habit 7).

Each binding has a stable `id` so a user keymap (`App.set_keymap`) can move it, and a tooltip.
The footer, the help screen and the command palette are all built from these lists, so a key
cannot be documented in one place and bound differently in another.
"""

from __future__ import annotations

from textual.binding import Binding

#: (key, mode name, footer label, what the screen is for). Order = keys 1..6.
DESK_SCREEN_KEYS: tuple[tuple[str, str, str, str], ...] = (
    ("1", "funding", "Funding", "Funding rates across venues"),
    ("2", "opportunities", "Opportunities", "Ranked arbitrage opportunities"),
    ("3", "positions", "Positions", "Open positions and their P&L"),
    ("4", "risk", "Risk", "Trading state, limits and exposure"),
    ("5", "config", "Config", "The current configuration (read-only, secrets masked)"),
    ("6", "events", "Events", "The engine's event log, live"),
)

SCREEN_BINDINGS: list[Binding] = [
    Binding(
        key,
        f"show_screen('{mode}')",
        label,
        tooltip=purpose,
        id=f"nexus.screen.{mode}",
    )
    for key, mode, label, purpose in DESK_SCREEN_KEYS
]

ACTION_BINDINGS: list[Binding] = [
    Binding(
        "p", "pause_entries", "Pause", tooltip="Pause new entries (ACTIVE -> REDUCING)", id="nexus.pause"
    ),
    Binding(
        "p", "resume_entries", "Resume", tooltip="Resume new entries (REDUCING -> ACTIVE)", id="nexus.resume"
    ),
    Binding(
        "ctrl+k",
        "kill_switch",
        "Kill",
        tooltip="Kill switch: halt trading (asks to confirm)",
        priority=True,  # must work whatever has focus, even an input
        id="nexus.kill",
    ),
    Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter the table", id="nexus.filter"),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="Keys and screens", id="nexus.help"),
    Binding("q", "quit", "Quit", tooltip="Quit (asks first)", id="nexus.quit"),
]

DESK_BINDINGS: list[Binding] = [*SCREEN_BINDINGS, *ACTION_BINDINGS]

# Screen 1 (Funding). One footer group keeps them to a few columns beside the desk's keys.
_FUNDING_VIEW = Binding.Group("View", compact=True)

FUNDING_BINDINGS: list[Binding] = [
    Binding(
        "u",
        "cycle_unit",
        "Unit",
        tooltip="Show rates per interval -> per hour -> APR",
        group=_FUNDING_VIEW,
        id="nexus.funding.unit",
    ),
    Binding(
        "s",
        "cycle_sort",
        "Sort",
        tooltip="Sort by best spread -> asset -> next settlement -> each venue's rate",
        group=_FUNDING_VIEW,
        id="nexus.funding.sort",
    ),
    Binding(
        "S",
        "reverse_sort",
        "Reverse",
        key_display="S",
        tooltip="Reverse the sort order",
        group=_FUNDING_VIEW,
        id="nexus.funding.reverse",
    ),
    Binding(
        "d",
        "toggle_detail",
        "Detail",
        tooltip="Show or hide the detail panel of the selected asset",
        group=_FUNDING_VIEW,
        id="nexus.funding.detail",
    ),
]

# On the funding matrix itself (it has the focus): `enter` must beat DataTable's own binding.
FUNDING_TABLE_BINDINGS: list[Binding] = [
    Binding(
        "enter",
        "screen.expand_detail",
        "Chart",
        tooltip="Open the detail panel of the selected asset; again: make it taller / shorter",
        group=_FUNDING_VIEW,  # the footer lists the table's keys first, then the screen's: one group
        id="nexus.funding.expand",
    ),
]

#: Screen 2's own keys: narrow the ranked list (a view only; the engine's ranking is unchanged).
#: `+` and `-` share one footer entry, the footer being short of room at 140 columns.
MIN_UOS_GROUP = Binding.Group("Min UOS", compact=True)
OPPORTUNITY_BINDINGS: list[Binding] = [
    Binding(
        "t",
        "cycle_type",
        "Type",
        tooltip="Show one type: all, A, B, C, E, all",
        id="nexus.opportunities.type",
    ),
    Binding(
        "v",
        "cycle_venue",
        "Venue",
        tooltip="Show one venue's opportunities (either leg): all, each venue, all",
        id="nexus.opportunities.venue",
    ),
    Binding(
        "plus,equals_sign",
        "raise_min_uos",
        "UOS+",
        key_display="+",
        tooltip="Raise the minimum UOS shown by 10",
        id="nexus.opportunities.uos_up",
        group=MIN_UOS_GROUP,
    ),
    Binding(
        "minus",
        "lower_min_uos",
        "UOS-",
        key_display="-",
        tooltip="Lower the minimum UOS shown by 10",
        id="nexus.opportunities.uos_down",
        group=MIN_UOS_GROUP,
    ),
]
