"""The detail panel's chart: each venue's funding for one asset over the last days, one line each.

No legend inside the plot (eight entries would cover it): each line has the colour of its venue's
name in the table beside it (`series_colour`). Green and red are left out of the palette: on
this screen they mean "shorts are paid" and "longs are paid".
"""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

from nexus_tui.ui.widgets.funding_history import ChartSeries

PALETTE: tuple[tuple[int, int, int], ...] = (
    (78, 155, 216),  # blue
    (232, 163, 61),  # orange
    (183, 127, 219),  # purple
    (57, 184, 166),  # teal
    (215, 215, 95),  # yellow
    (239, 127, 168),  # pink
    (127, 215, 255),  # light blue
    (170, 170, 170),  # grey
)


def series_colour(index: int) -> tuple[int, int, int]:
    return PALETTE[index % len(PALETTE)]


def series_style(index: int) -> str:
    """The same colour as a rich style, for the venue's name in the detail table."""
    r, g, b = series_colour(index)
    return f"bold #{r:02x}{g:02x}{b:02x}"


class FundingHistoryChart(PlotextPlot):
    """Re-plots only when what it shows changed (plotext rebuilds the whole picture each time)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[object, ...] | None = None
        self.plots = 0

    def show(self, title: str, y_label: str, series: Sequence[ChartSeries], note: str = "") -> None:
        """`note`: what is missing (a venue whose history could not be fetched), said in the title."""
        signature = (title, y_label, tuple(series), note)
        if signature == self._shown:
            return
        self._shown = signature
        self.plots += 1
        plt = self.plt
        plt.clear_figure()
        drawn = 0
        earliest = -1.0  # at least the last hour, so a first point or two sit on a real axis
        for index, line in enumerate(series):
            if line.hours:
                plt.plot(list(line.hours), list(line.values), color=series_colour(index), marker="braille")
                drawn += 1
                earliest = min(earliest, line.hours[0])
        plt.xlim(earliest, 0.0)
        if not drawn:
            note = note or "no history yet"
        plt.title(f"{title} ({note})" if note else title)
        plt.xlabel(f"hours before now · {y_label}")
        self.refresh()

    @property
    def signature(self) -> tuple[object, ...] | None:
        """What the chart shows now (tests read it instead of parsing the picture)."""
        return self._shown
