"""The dashboard's charts as geometry: pure functions from numbers to shapes.

``templates/admin/_charts.html`` only draws what these return, as inline SVG
(no JavaScript, no CDN). Every chart is ``WIDTH`` units wide and takes the
width of its column, so it fits a phone screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from app.i18n import programme_name

WIDTH = 400
BAR_ROW = 40
PROGRAMME_ROW = 44
LEGEND = 30
COLUMN_CHART_HEIGHT = 190
COLUMN_BASE = 160
COLUMN_PLOT = 130
# Up to this many days every column is labelled; beyond, the first, last and
# busiest only.
FEW_DAYS = 12


@dataclass(frozen=True)
class Bar:
    """One row: its label above a bar ``width`` long, the amount at the right."""

    y: int
    label: str
    amount: int
    width: float


@dataclass(frozen=True)
class BarChart:
    height: int
    bars: list[Bar]


def bar_chart(
    items: Sequence, label: str | Callable = "label", value: str = "count"
) -> BarChart:
    """Horizontal bars, one per item, scaled to the largest; each labelled by
    its attribute ``label``, or by what ``label(item)`` says."""
    rows = [
        (
            str(label(item) if callable(label) else getattr(item, label)),
            getattr(item, value),
        )
        for item in items
    ]
    top = max([amount for _, amount in rows] + [1])
    return BarChart(
        height=max(len(rows), 1) * BAR_ROW,
        bars=[
            Bar(
                n * BAR_ROW, text, amount, max(amount / top * WIDTH, 2) if amount else 0
            )
            for n, (text, amount) in enumerate(rows)
        ],
    )


@dataclass(frozen=True)
class ProgrammeBar:
    """A programme's seats stacked on one bar: confirmed, pending, waiting
    (outlined), and a mark at the quota."""

    y: int
    name: str
    summary: str
    title: str
    confirmed: float
    pending_x: float
    pending: float
    waiting_x: float
    waiting: float
    quota_x: float


@dataclass(frozen=True)
class ProgrammeChart:
    height: int
    legend: int
    bars: list[ProgrammeBar]


def programme_chart(programmes: Sequence) -> ProgrammeChart:
    """``programmes`` have code, name, quota, confirmed, pending, waitlisted, held."""
    longest = max(
        [max(p.quota, p.confirmed + p.pending + p.waitlisted) for p in programmes] + [1]
    )
    scale = (WIDTH - 4) / longest
    bars = []
    for n, p in enumerate(programmes):
        name = programme_name(p)
        if p.waitlisted:
            # TRANSLATORS: seats taken of a country programme's quota, people waiting.
            summary = ngettext(
                "%(held)d of %(num)d seat, %(waiting)d waiting",
                "%(held)d of %(num)d seats, %(waiting)d waiting",
                p.quota,
                held=p.held,
                waiting=p.waitlisted,
            )
        else:
            # TRANSLATORS: seats taken of a country programme's quota.
            summary = ngettext(
                "%(held)d of %(num)d seat",
                "%(held)d of %(num)d seats",
                p.quota,
                held=p.held,
            )
        bars.append(
            ProgrammeBar(
                y=LEGEND + n * PROGRAMME_ROW,
                name=name,
                summary=summary,
                title=_(
                    "%(programme)s: %(confirmed)d confirmed, %(pending)d pending, "
                    "%(waitlisted)d waitlisted; quota %(quota)d",
                    programme=name,
                    confirmed=p.confirmed,
                    pending=p.pending,
                    waitlisted=p.waitlisted,
                    quota=p.quota,
                ),
                confirmed=p.confirmed * scale,
                pending_x=p.confirmed * scale,
                pending=p.pending * scale,
                waiting_x=(p.confirmed + p.pending) * scale + 1,
                waiting=max(p.waitlisted * scale - 2, 1) if p.waitlisted else 0,
                quota_x=p.quota * scale + 1,
            )
        )
    return ProgrammeChart(
        height=LEGEND + max(len(bars), 1) * PROGRAMME_ROW, legend=LEGEND, bars=bars
    )


@dataclass(frozen=True)
class Column:
    """One day: a column from ``top`` down to the base line; its count and
    date are labelled when ``labelled``."""

    day: date
    count: int
    x: float
    width: float
    top: float
    height: float
    centre: float
    labelled: bool
    dated: bool


@dataclass(frozen=True)
class ColumnChart:
    height: int
    base: int
    columns: list[Column]
    # Whether the first and last dates are written under the ends instead.
    ends_dated: bool


def column_chart(days: Sequence) -> ColumnChart:
    """Columns over time, one per day (``days`` have ``day`` and ``count``)."""
    peak = max(days, key=lambda d: d.count, default=None)
    top = max(peak.count if peak else 1, 1)
    step = WIDTH / max(len(days), 1)
    few = len(days) <= FEW_DAYS
    columns = []
    for n, d in enumerate(days):
        height = d.count / top * COLUMN_PLOT
        columns.append(
            Column(
                day=d.day,
                count=d.count,
                x=n * step + step * 0.1,
                width=max(step * 0.8, 0.5),
                top=COLUMN_BASE - height,
                height=height,
                centre=n * step + step / 2,
                labelled=few or d is peak,
                dated=few,
            )
        )
    return ColumnChart(
        height=COLUMN_CHART_HEIGHT,
        base=COLUMN_BASE,
        columns=columns,
        ends_dated=bool(days) and not few,
    )


def init_app(app) -> None:
    # Named apart from the macros of _charts.html that draw them.
    app.add_template_global(bar_chart, "bar_geometry")
    app.add_template_global(programme_chart, "programme_geometry")
    app.add_template_global(column_chart, "column_geometry")
    app.add_template_global(WIDTH, "CHART_WIDTH")
