"""Accept-Language parsing and the choice of catalogue and date locale."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.public.languages import negotiate, parse_accept_language

AVAILABLE = frozenset({"en", "pt_BR", "es", "it", "ru"})


@pytest.mark.parametrize(("header", "tags"), [
    (None, []),
    ("", []),
    ("ru", ["ru"]),
    ("de, ru;q=0.5, it;q=0.9", ["de", "it", "ru"]),
    ("es;q=0, pt-BR", ["pt-BR"]),
    ("it;q=abc, en", ["en"]),
    ("fr;q=1.5, en;q=0.1", ["en"]),
    ("a, b ;q=0.2 , c;level=1", ["a", "c", "b"]),
    (" , ,;q=1", []),
])
def test_parse_accept_language(header: str | None, tags: list[str]) -> None:
    assert parse_accept_language(header) == tags


@pytest.mark.parametrize(("query", "header", "catalogue", "date_locale"), [
    (None, None, "en", "en"),
    ("pt-BR", None, "pt_BR", "pt_BR"),
    ("pt_br", None, "pt_BR", "pt_BR"),
    ("PT", None, "pt_BR", "pt"),
    (None, "pt-PT", "pt_BR", "pt_PT"),
    (None, "es-MX", "es", "es_MX"),
    (None, "en-GB", "en", "en_GB"),
    (None, "it-CH", "it", "it_CH"),
    (None, "ru-RU", "ru", "ru_RU"),
    (None, "de-AT, fr", "en", "en"),
    ("tlh", "es", "es", "es"),
    ("", "it", "it", "it"),
    (None, "*", "en", "en"),
])
def test_negotiate(query: str | None, header: str | None, catalogue: str,
                   date_locale: str) -> None:
    chosen = negotiate(query, header, AVAILABLE)
    assert chosen.catalogue == catalogue
    assert str(chosen.date_locale) == date_locale
    assert chosen.tag == catalogue.replace("_", "-")


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=40)), st.one_of(st.none(), st.text(max_size=200)))
def test_any_input_negotiates_to_an_available_language(query: str | None,
                                                       header: str | None) -> None:
    chosen = negotiate(query, header, AVAILABLE)
    assert chosen.catalogue in AVAILABLE
    assert chosen.date_locale.language == chosen.catalogue.split("_")[0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["en", "pt-BR", "es", "it", "ru", "de", "pt", "x"]),
                          st.integers(0, 1000)), min_size=1, max_size=6))
def test_the_most_preferred_language_we_have_wins(entries: list[tuple[str, int]]) -> None:
    header = ", ".join(f"{tag};q={weight / 1000}" for tag, weight in entries)
    wanted = [(weight, -position, tag) for position, (tag, weight) in enumerate(entries)
              if weight > 0 and tag not in {"de", "x"}]
    expected = max(wanted)[2] if wanted else "en"
    assert negotiate(None, header, AVAILABLE).tag == {"pt": "pt-BR"}.get(expected, expected)
