"""The SVG charts: well-formed, numbers in titles, marks where the figures put them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from api.dashboard.charts import (
    DayOutcome,
    TimelineMark,
    daily_outcomes_svg,
    percent,
    rate_bar_svg,
    timeline_svg,
)

NS = "{http://www.w3.org/2000/svg}"
DAYS = [DayOutcome("2026-03-01", 2, 5, 1, 0.875), DayOutcome("2026-03-02", 0, 0, 4, 0.0),
        DayOutcome("2026-03-03", 3, 0, 0, 1.0)]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_percent() -> None:
    assert percent(None) == "–"
    assert percent(0.875) == "87.5%"


def test_daily_bars_stack_per_day_with_numbers_in_titles() -> None:
    root = _parse(daily_outcomes_svg(DAYS))
    days = root.findall(f"{NS}g[@class='day']")
    assert [day.get("data-day") for day in days] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    title = days[0].find(f"{NS}title")
    assert title is not None
    assert title.text == "2026-03-01: 2 exceeded, 5 met, 1 broken; keep rate 87.5%"
    bars = days[0].findall(f"{NS}rect")
    assert [bar.get("class") for bar in bars] == ["bar exceeded", "bar met", "bar broken"]
    heights = [float(bar.get("height", "0")) for bar in bars]
    assert heights[1] == heights[0] * 2.5  # 5 met against 2 exceeded
    # Stacked: each bar starts where the one below ends.
    tops = [float(bar.get("y", "0")) for bar in bars]
    assert abs(tops[0] - (tops[1] + heights[1])) < 0.2
    # Broken is hatched, not only coloured.
    assert bars[2].get("fill") == "url(#hatch)"
    # Empty days draw no bars.
    assert days[1].findall(f"{NS}rect")[0].get("class") == "bar broken"


def test_the_keep_line_follows_the_rates() -> None:
    root = _parse(daily_outcomes_svg(DAYS))
    line = root.find(f"{NS}polyline")
    assert line is not None
    ys = [float(point.split(",")[1]) for point in line.get("points", "").split()]
    assert ys[1] > ys[0] > ys[2]  # 0 % lowest on screen, 100 % highest


def test_no_days_says_so() -> None:
    svg = daily_outcomes_svg([])
    assert "No promise was decided" in svg
    _parse(svg)


def test_text_is_escaped() -> None:
    root = _parse(rate_bar_svg(0.5, "<b>&"))
    title = root.find(f"{NS}title")
    assert title is not None and title.text == "<b>&: 50.0%"


def test_rate_bar_width_is_proportional_and_clamped() -> None:
    def width(rate: float | None) -> float:
        fill = _parse(rate_bar_svg(rate, "keep")).find(f"{NS}rect[@class='fill']")
        assert fill is not None
        return float(fill.get("width", "-1"))

    assert width(0.25) == 40.0
    assert width(None) == 0.0
    assert width(1.5) == 160.0


def test_the_timeline_places_events_against_due_and_deadline() -> None:
    made = datetime(2026, 3, 1, tzinfo=UTC)
    due, deadline = made + timedelta(days=4), made + timedelta(days=5)
    marks = [TimelineMark(made, "made"), TimelineMark(made + timedelta(days=2), "fulfilled")]
    root = _parse(timeline_svg(marks, due, deadline))
    circles = [float(c.get("cx", "0")) for c in root.iter(f"{NS}circle")]
    rules = {g.get("class"): float(g.find(f"{NS}line").get("x1", "0"))  # type: ignore[union-attr]
             for g in root.findall(f"{NS}g") if "rule" in (g.get("class") or "")}
    assert circles[0] < circles[1] < rules["rule due"] < rules["rule deadline"]
    assert abs((circles[1] - circles[0]) - (rules["rule due"] - circles[1])) < 0.2
