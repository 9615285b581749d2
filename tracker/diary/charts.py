"""Geometry for the severity chart, drawn as SVG by the template. Pure: points in, shapes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Drawn at about the width of a phone, so the labels stay readable there; it scales up.
WIDTH, HEIGHT = 400, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 14, 14, 36


@dataclass(frozen=True)
class Chart:
    points: list[tuple[float, float, date, int]]  # x, y, day, severity
    polyline: str
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, date]]
    first: date | None
    last: date | None
    lowest: int | None
    highest: int | None
    latest: tuple[date, int] | None  # the latest entry's, by day and then as noted
    noted: int = 0  # entries with a severity; a day noted twice is one point
    width: int = WIDTH
    height: int = HEIGHT


def severity_chart(points: list[tuple[date, int]]) -> Chart:
    """Lay out (day, severity) points, given in the order noted, on a 1-to-10 scale over the
    days they cover: one point a day, the day's highest, as the rules read it (rules §3)."""
    noted = len(points)
    latest = max(enumerate(points), key=lambda p: (p[1][0], p[0]))[1] if points else None
    highest_of_day: dict[date, int] = {}
    for day, severity in points:
        highest_of_day[day] = max(severity, highest_of_day.get(day, severity))
    points = sorted(highest_of_day.items())
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y_of(severity: int) -> float:
        return round(TOP + inner_h * (10 - severity) / 9, 1)

    y_ticks = [(y_of(s), s) for s in (1, 4, 7, 10)]
    if not points:
        return Chart([], "", y_ticks, [], None, None, None, None, None)

    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        if first == last:
            return LEFT + inner_w / 2
        return round(LEFT + inner_w * (day - first).days / span, 1)

    laid = [(x_of(d), y_of(s), d, s) for d, s in points]
    labels = [(x_of(first), first)] if first == last else [(x_of(first), first), (x_of(last), last)]
    severities = [s for _, s in points]
    return Chart(
        points=laid,
        polyline=" ".join(f"{x},{y}" for x, y, _, _ in laid),
        y_ticks=y_ticks,
        x_labels=labels,
        first=first,
        last=last,
        lowest=min(severities),
        highest=max(severities),
        latest=latest,
        noted=noted,
    )
