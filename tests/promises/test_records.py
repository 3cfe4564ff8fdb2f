"""The columns of a new promise, written out for creates, are those the general path derives."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from api.domain.scoring import evaluate
from api.domain.terms import Precision, Terms
from api.promises.records import evaluation_columns, new_promise_columns
from tests.domain.test_scoring import any_terms


@given(any_terms, st.none() | st.floats(min_value=0.0, max_value=0.99))
def test_new_promise_columns_are_the_evaluation_of_an_empty_log(
    terms: Terms, window_share: float | None
) -> None:
    if window_share is not None and terms.precision is Precision.INSTANT:
        opens = terms.made_at + (terms.due_at - terms.made_at) * window_share
        terms = replace(terms, window_start=opens)
    assert new_promise_columns(terms) == evaluation_columns(evaluate(terms, []))


def test_the_columns_follow_the_terms() -> None:
    made = datetime(2026, 12, 4, 9, tzinfo=UTC)
    terms = Terms(made_at=made, due_at=made + timedelta(hours=10), grace=timedelta(hours=1))
    columns = new_promise_columns(terms)
    assert columns["at_risk_at"] == made + timedelta(hours=8)
    assert columns["breach_at"] == columns["first_breach_at"] == made + timedelta(hours=11)
    assert columns["resolved_status"] is None
