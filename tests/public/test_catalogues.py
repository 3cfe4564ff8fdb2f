"""The translation catalogues: every language has every text the rules can ask for, with the
same placeholders, and dates that Babel can format."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel import Locale
from babel.dates import format_date

from api.domain.customer_status import (
    KINDS_WITH_OWN_MESSAGES,
    KNOWN_KINDS,
    CustomerState,
    MessageKey,
    completion_phrase_id,
    due_phrase_id,
    kind_label_id,
    message_ids,
    state_label_id,
)
from api.public.catalogues import Translator, catalogues

REQUIRED_LANGUAGES = {"en", "pt_BR", "es", "it", "ru"}
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def needed_ids() -> set[str]:
    ids = {"format.date", "message.originally", "ui.order_title", "error.not_found",
           "error.rate_limited", kind_label_id("anything-else")}
    ids |= {kind_label_id(kind) for kind in KNOWN_KINDS}
    ids |= {state_label_id(state) for state in CustomerState}
    for message in MessageKey:
        for kind in (*KINDS_WITH_OWN_MESSAGES, "other"):
            ids |= set(message_ids(message, kind))
    for by_day in (True, False):
        ids.add(completion_phrase_id(by_day=by_day))
        for has_window in (True, False):
            for one_day in (True, False):
                ids.add(due_phrase_id(by_day=by_day, has_window=has_window,
                                      window_within_one_day=one_day))
    return ids


def test_the_required_languages_are_there() -> None:
    assert set(catalogues()) >= REQUIRED_LANGUAGES


def test_english_has_every_text_the_rules_ask_for_and_no_other() -> None:
    assert set(catalogues()["en"]) == needed_ids()


@pytest.mark.parametrize("language", sorted(REQUIRED_LANGUAGES))
def test_each_catalogue_is_complete_with_the_same_placeholders(language: str) -> None:
    english, texts = catalogues()["en"], catalogues()[language]
    assert set(texts) == set(english)
    for message_id, source in english.items():
        assert set(PLACEHOLDER.findall(texts[message_id])) == set(
            PLACEHOLDER.findall(source)), message_id
    if language != "en":
        translated = [i for i in english if i != "format.date" and texts[i] != english[i]]
        assert len(translated) > len(english) * 0.9


@pytest.mark.parametrize("language", sorted(REQUIRED_LANGUAGES))
def test_the_date_format_of_each_catalogue_works(language: str) -> None:
    text = format_date(date(2099, 12, 5), Translator(language).text("format.date"),
                       locale=Locale.parse(language))
    assert "2099" in text
    assert "5" in text


def test_a_missing_text_falls_back_to_english() -> None:
    assert Translator("xx").text("state.on_track") == "On track"
    assert Translator("ru").first(("message.on_track.nothing", "state.late")) == "Задержка"
    with pytest.raises(KeyError):
        Translator("en").text("no.such.id")
