"""The Credits page's two pictures as SVG geometry the template draws: daily spend as bars, and
an account's balance over time as a line. No chart library: a few rectangles and a polyline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

WIDTH, HEIGHT = 620, 160  # the viewBox; the SVG scales to its box
PLOT_TOP, PLOT_BOTTOM = 12, 136  # room for the scale above and the day numbers below


@dataclass(frozen=True)
class Bar:
    day: date
    credits: Decimal
    x: float
    y: float
    width: float
    height: float

    @property
    def label(self) -> str:
        return f"{self.day:%b} {self.day.day}: {self.credits.normalize():f} credits"


@dataclass(frozen=True)
class SpendChart:
    bars: list[Bar]
    top: Decimal  # the scale: the highest day
    total: Decimal

    @property
    def summary(self) -> str:
        if not self.total:
            return "No credits spent this month yet."
        busiest = max(self.bars, key=lambda bar: bar.credits)
        return (
            f"{self.total.normalize():f} credits spent this month; "
            f"the most on {busiest.day:%b} {busiest.day.day} ({busiest.credits.normalize():f})."
        )


def spend_chart(spent: dict[date, Decimal], first: date, last: date) -> SpendChart:
    """One bar per day from `first` to `last` (days without spend stay at zero)."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    top = max([spent.get(day, Decimal(0)) for day in days] + [Decimal(0)])
    slot = WIDTH / max(len(days), 1)
    span = PLOT_BOTTOM - PLOT_TOP
    bars = []
    for index, day in enumerate(days):
        credits = spent.get(day, Decimal(0))
        height = float(credits / top) * span if top else 0.0
        bars.append(
            Bar(
                day,
                credits,
                x=index * slot + slot * 0.15,
                y=PLOT_BOTTOM - height,
                width=slot * 0.7,
                height=height,
            )
        )
    return SpendChart(bars, top, sum(spent.values(), Decimal(0)))


@dataclass(frozen=True)
class BalanceLine:
    points: str  # the polyline's "x,y x,y …"
    first: int
    last: int
    low: int
    high: int


def balance_line(readings, until: datetime) -> BalanceLine | None:
    """An account's readings (oldest first) as a line from the first one to `until` across the
    chart (None: no reading)."""
    if not readings:
        return None
    since = readings[0].at
    values = [r.credits for r in readings]
    low, high = min(values), max(values)
    seconds = max((until - since).total_seconds(), 1)
    span = PLOT_BOTTOM - PLOT_TOP

    def y(credits: int) -> float:
        return PLOT_BOTTOM - ((credits - low) / (high - low) * span if high > low else span / 2)

    coords = [((r.at - since).total_seconds() / seconds * WIDTH, y(r.credits)) for r in readings]
    coords.append((WIDTH, coords[-1][1]))  # the last balance holds until now
    points = " ".join(f"{x:.1f},{y_:.1f}" for x, y_ in coords)
    return BalanceLine(points, values[0], values[-1], low, high)
