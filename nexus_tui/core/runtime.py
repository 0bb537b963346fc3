"""Process-wide settings the desk runs with, applied once at start-up by the CLI (every command,
the TUI and `nexus-tui bench` alike).

The garbage collector's first threshold: Python collects its youngest generation every 700 net
new container objects, a figure sized for small scripts. A full rescan of the market leaves about
1,300 such objects that outlive it (the opportunities, their legs, costs and scores), so at 700
the collector walked the youngest objects about twice per scan, and again when it promoted them:
5-6 % of a full rescan, measured in paired runs. At 10,000 most of a scan's short-lived objects
are gone before a collection looks at them. Reference counting frees everything else as before;
only objects in reference cycles wait longer, at most 10,000 allocations.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def tune_gc() -> None:
    """Collect the youngest generation every YOUNG_THRESHOLD objects; the older ones as before."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
