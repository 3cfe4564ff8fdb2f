"""Charts as inline SVG, built on the server from figures already computed.

Pure: no I/O, no clock. Every mark carries a `<title>` with its numbers (shown on hover and read
by screen readers); series differ by pattern and position as well as colour, so the charts read
without colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 44, 12, 28
# Fills by class (one stylesheet colours them); `broken` is also hatched.
SERIES = ("exceeded", "met", "broken")


@dataclass(frozen=True)
class DayOutcome:
    day: str  # the local date, YYYY-MM-DD
    exceeded: int
    met: int
    broken: int
    keep_rate: float | None

    @property
    def decided(self) -> int:
        return self.exceeded + self.met + self.broken


@dataclass(frozen=True)
class TimelineMark:
    at: datetime
    label: str


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def _trusted(parts: list[str]) -> Markup:
    # Every value interpolated into these parts is a number or went through `escape`.
    return Markup("".join(parts))  # noqa: S704


def _defs() -> str:
    return ('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-bg"/>'
            '<line x1="0" y1="0" x2="0" y2="6" class="hatch-line" stroke-width="3"/>'
            '</pattern></defs>')


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return ((value // 10000) + 1) * 10000


def daily_outcomes_svg(days: list[DayOutcome]) -> Markup:
    """Stacked bars (exceeded at the bottom, then met, then broken, hatched) per day, and the
    keep rate as a line on a 0–100 % right-hand axis."""
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    top = _nice_max(max((day.decided for day in days), default=0) or 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="daily-title" xmlns="http://www.w3.org/2000/svg">',
             '<title id="daily-title">Decided promises per day, stacked by outcome, '
             'with the keep rate</title>', _defs()]
    for tick in range(5):
        value = top * tick // 4
        y = PAD_TOP + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
                     f'y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" '
                     f'text-anchor="end">{value}</text>'
                     f'<text class="axis" x="{WIDTH - PAD_RIGHT + 6}" y="{y + 4:.1f}">'
                     f'{tick * 25}%</text>')
    if not days:
        parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" '
                     'text-anchor="middle">No promise was decided in this period.</text>')
        parts.append("</svg>")
        return _trusted(parts)
    slot = plot_w / len(days)
    bar_w = max(slot * 0.7, 1.0)
    line: list[str] = []
    label_every = max(1, len(days) // 8)
    for index, day in enumerate(days):
        x = PAD_LEFT + slot * index + (slot - bar_w) / 2
        base = PAD_TOP + plot_h
        tip = (f"{day.day}: {day.exceeded} exceeded, {day.met} met, {day.broken} broken; "
               f"keep rate {percent(day.keep_rate)}")
        parts.append(f'<g class="day" data-day="{escape(day.day)}"><title>{escape(tip)}</title>')
        for name in SERIES:
            count = getattr(day, name)
            if not count:
                continue
            height = plot_h * count / top
            base -= height
            fill = ' fill="url(#hatch)"' if name == "broken" else ""
            parts.append(f'<rect class="bar {name}"{fill} x="{x:.1f}" y="{base:.1f}" '
                         f'width="{bar_w:.1f}" height="{height:.1f}"/>')
        parts.append("</g>")
        if day.keep_rate is not None:
            cx = PAD_LEFT + slot * index + slot / 2
            cy = PAD_TOP + plot_h - plot_h * day.keep_rate
            line.append(f"{cx:.1f},{cy:.1f}")
        if index % label_every == 0:
            parts.append(f'<text class="axis" x="{PAD_LEFT + slot * index + slot / 2:.1f}" '
                         f'y="{HEIGHT - 8}" text-anchor="middle">{escape(day.day[5:])}</text>')
    if line:
        parts.append(f'<polyline class="keep-line" points="{" ".join(line)}"/>')
        for point in line:
            dot_x, dot_y = (float(part) for part in point.split(","))
            parts.append(f'<rect class="keep-dot" x="{dot_x - 3:.1f}" '
                         f'y="{dot_y - 3:.1f}" width="6" height="6"/>')
    parts.append("</svg>")
    return _trusted(parts)


def rate_bar_svg(rate: float | None, label: str) -> Markup:
    """A horizontal bar of a rate (0–1), labelled with its number."""
    width = 0.0 if rate is None else 160 * max(0.0, min(rate, 1.0))
    text = f"{label}: {percent(rate)}"
    return _trusted([f'<svg class="rate-bar" viewBox="0 0 200 16" role="img" '
                  f'xmlns="http://www.w3.org/2000/svg"><title>{escape(text)}</title>'
                  f'<rect class="track" x="0" y="3" width="160" height="10"/>'
                  f'<rect class="fill" x="0" y="3" width="{width:.1f}" height="10"/>'
                  f'<text class="axis" x="166" y="13">{escape(percent(rate))}</text></svg>'])


def timeline_svg(marks: list[TimelineMark], due_at: datetime, deadline_at: datetime) -> Markup:
    """Events on a time axis with the due time and the deadline drawn as vertical rules."""
    instants = [mark.at for mark in marks] + [due_at, deadline_at]
    first, last = min(instants), max(instants)
    span = (last - first).total_seconds() or 1.0
    width, height, left, right = 720, 60 + 22 * len(marks), 20, 160

    def x_of(at: datetime) -> float:
        return left + (width - left - right) * (at - first).total_seconds() / span

    parts = [f'<svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" '
             'aria-labelledby="timeline-title" xmlns="http://www.w3.org/2000/svg">',
             '<title id="timeline-title">The promise\'s events against its due time</title>']
    for name, at in (("due", due_at), ("deadline", deadline_at)):
        x = x_of(at)
        parts.append(f'<g class="rule {name}"><title>{name} {escape(at.isoformat())}</title>'
                     f'<line x1="{x:.1f}" x2="{x:.1f}" y1="14" y2="{height - 4}"/>'
                     f'<text class="axis" x="{x + 3:.1f}" y="{12 if name == "due" else 24}">'
                     f'{name}</text></g>')
    for index, mark in enumerate(marks):
        x, y = x_of(mark.at), 40 + 22 * index
        tip = f"{mark.label} at {mark.at.isoformat()}"
        parts.append(f'<g class="event"><title>{escape(tip)}</title>'
                     f'<circle cx="{x:.1f}" cy="{y}" r="5"/>'
                     f'<text class="axis" x="{x + 9:.1f}" y="{y + 4}">{escape(mark.label)}'
                     '</text></g>')
    parts.append("</svg>")
    return _trusted(parts)
