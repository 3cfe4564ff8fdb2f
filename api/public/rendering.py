"""A promise row as its customer sees it: customer words, one sentence, local dates (Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

from api.domain.customer_status import (
    MESSAGES_WITH_COMPLETION,
    MESSAGES_WITH_DUE,
    PromiseFacts,
    completion_phrase_id,
    customer_view,
    due_phrase_id,
    kind_label_id,
    message_ids,
    state_label_id,
)
from api.domain.scoring import read_status
from api.domain.terms import Precision, due_date_of, local_date
from api.models import Promise
from api.promises.records import tracks_of
from api.public.catalogues import Translator
from api.public.languages import Language
from api.public.schemas import CustomerPromiseStatus, PromisedTime


@dataclass(frozen=True)
class LocalWriter:
    """Dates and times in one locale and time zone.

    The catalogue's `format.date` says how dates read in its sentences: a Babel style (`full`,
    `long`…) or a CLDR pattern (`d MMMM y`), so each language picks a form that fits its
    grammar.
    """

    locale: Locale
    zone: ZoneInfo
    date_format: str

    @classmethod
    def of(cls, language: Language, translator: Translator, zone: str) -> LocalWriter:
        return cls(language.date_locale, ZoneInfo(zone), translator.text("format.date"))

    def day_text(self, day: date) -> str:
        return format_date(day, self.date_format, locale=self.locale)

    def time_text(self, instant: datetime) -> str:
        return format_time(instant, "short", tzinfo=self.zone, locale=self.locale)

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def day_and_time_text(self, instant: datetime) -> str:
        """The locale's own way of joining a date and a time (`{1}, {0}` in English)."""
        pattern = str(self.locale.datetime_formats.get("medium", "{1} {0}")).replace("'", "")
        return (pattern.replace("{1}", self.day_text(self.local_day(instant)))
                .replace("{0}", self.time_text(instant)))


def promised_time(
    due_at: datetime, window_start: datetime | None, row: Promise, words: Translator,
    local: LocalWriter,
) -> PromisedTime:
    if row.precision == Precision.DAY:
        due_day = due_date_of(due_at, row.timezone)
        first_day = local_date(window_start, row.timezone) if window_start else None
        phrase = due_phrase_id(by_day=True, has_window=first_day is not None,
                               window_within_one_day=first_day is not None
                               and first_day == due_day)
        text = words.text(phrase, date=local.day_text(due_day),
                          start=local.day_text(first_day) if first_day else "",
                          end=local.day_text(due_day))
        return PromisedTime(precision=Precision.DAY, timezone=row.timezone,
                            due=due_day.isoformat(),
                            window_start=first_day.isoformat() if first_day else None,
                            text=text)
    zone = local.zone
    same_day = window_start is not None and local.local_day(window_start) == local.local_day(
        due_at)
    phrase = due_phrase_id(by_day=False, has_window=window_start is not None,
                           window_within_one_day=same_day)
    if window_start is None:
        text = words.text(phrase, date=local.day_text(local.local_day(due_at)),
                          time=local.time_text(due_at))
    elif same_day:
        text = words.text(phrase, date=local.day_text(local.local_day(due_at)),
                          start=local.time_text(window_start), end=local.time_text(due_at))
    else:
        text = words.text(phrase, start=local.day_and_time_text(window_start),
                          end=local.day_and_time_text(due_at))
    return PromisedTime(
        precision=Precision.INSTANT, timezone=row.timezone,
        due=due_at.astimezone(zone).isoformat(timespec="seconds"),
        window_start=window_start.astimezone(zone).isoformat(timespec="seconds")
        if window_start else None,
        text=text,
    )


def _completion_text(row: Promise, at: datetime, words: Translator, local: LocalWriter) -> str:
    by_day = row.precision == Precision.DAY
    phrase = completion_phrase_id(by_day=by_day)
    return words.text(phrase, date=local.day_text(local.local_day(at)), time=local.time_text(at))


def customer_status(
    row: Promise, now: datetime, language: Language, words: Translator
) -> CustomerPromiseStatus:
    """What the customer sees of `row` at `now`, in `language`."""
    current, _first = tracks_of(row)
    reading = read_status(current, now)
    view = customer_view(PromiseFacts(
        status=reading.status, broken_reason=reading.broken_reason,
        exceeded_reason=reading.exceeded_reason,
        resolved=row.resolved_status is not None, revised=row.revision_count > 0,
    ))
    local = LocalWriter.of(language, words, row.timezone)
    promised = promised_time(row.due_at, row.window_start, row, words, local)
    original: PromisedTime | None = None
    if view.show_original and (row.original_due_at, row.original_window_start) != (
            row.due_at, row.window_start):
        original = promised_time(row.original_due_at, row.original_window_start, row, words,
                                 local)
    values: dict[str, str] = {}
    if view.message in MESSAGES_WITH_DUE:
        values["when"] = promised.text
    completed = row.fulfilled_at
    if view.message in MESSAGES_WITH_COMPLETION:
        values["done"] = _completion_text(row, completed or row.resolved_at or now, words, local)
    return CustomerPromiseStatus(
        kind=row.kind,
        kind_label=words.text(kind_label_id(row.kind)),
        state=view.state,
        state_label=words.text(state_label_id(view.state)),
        message=words.first(message_ids(view.message, row.kind), **values),
        promised=promised,
        originally_promised=original,
        original_message=words.text("message.originally", when=original.text)
        if original else None,
        completed_at=completed.astimezone(local.zone).isoformat(timespec="seconds")
        if completed else None,
    )
