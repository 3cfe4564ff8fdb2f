"""The small pure parts of the pages: rate changes, group order, group links, list filters."""

from __future__ import annotations

from starlette.datastructures import QueryParams

from api.dashboard.figures import change
from api.dashboard.listing import ListFilters, group_link, sorted_groups
from api.dashboard.tallies import Counted
from api.domain.outcomes import Status
from api.domain.scorecard_rules import GroupKey


def _group(value: str | None, exceeded: int, met: int, broken: int) -> Counted:
    """A group as SQL returns its counts."""
    return Counted(value, exceeded, met, broken)


def test_change_is_in_points_and_none_without_both_rates() -> None:
    assert change(0.75, 0.5) == 25.0
    assert change(None, 0.5) is None
    assert change(0.5, None) is None


def test_groups_sort_by_rates_with_empty_rates_last() -> None:
    groups = [_group("a", 1, 1, 2), _group("b", 4, 0, 0), _group("c", 0, 0, 0),
              _group(None, 1, 0, 1)]
    assert [g.value for g in sorted_groups(groups, "keep_rate")] == ["a", None, "b", "c"]
    assert [g.value for g in sorted_groups(groups, "break_rate")] == ["a", None, "b", "c"]
    assert [g.value for g in sorted_groups(groups, "decided")] == ["a", "b", None, "c"]
    assert sorted_groups(groups, "nonsense") == groups


def test_group_links_filter_the_promises_list() -> None:
    assert group_link(GroupKey("kind"), "refund") == "/dashboard/promises?kind=refund"
    assert group_link(GroupKey("label:carrier", "carrier"), "d&l") == (
        "/dashboard/promises?label=carrier%3Dd%26l")
    assert group_link(GroupKey("label:carrier", "carrier"), None) is None
    assert group_link(GroupKey("policy"), "standard") is None


def test_list_filters_read_the_form_and_report_mistakes() -> None:
    chosen = ListFilters.from_query(QueryParams(
        "status=broken&label=carrier%3Ddhl&due_from=2026-03-01&kind=delivery"), "Europe/Rome")
    assert chosen.errors == ()
    assert chosen.filters.statuses == (Status.BROKEN,)
    assert chosen.filters.labels == {"carrier": "dhl"}
    assert chosen.filters.due_after is not None
    assert chosen.filters.due_after.isoformat() == "2026-03-01T00:00:00+01:00"
    assert chosen.next_query("prm_9") == (
        "status=broken&kind=delivery&label=carrier%3Ddhl&due_from=2026-03-01&after=prm_9")
    wrong = ListFilters.from_query(QueryParams("status=late&label=dhl&due_to=tomorrow"), "UTC")
    assert len(wrong.errors) == 3
    assert wrong.filters == ListFilters().filters
