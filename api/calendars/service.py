"""Calendar use cases: create, read, list, change, delete, and business-time arithmetic.

Each write commits once. Other services build the domain calendar with `business_calendar_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.calendars.holidays_lookup import check_region, public_holidays
from api.calendars.schemas import CalendarCreate, CalendarUpdate
from api.db import writing
from api.domain import business_calendar as domain
from api.domain.business_calendar import (
    WEEKDAYS,
    BusinessCalendar,
    CalendarError,
    NoOpenTime,
    parse_weekly_hours,
    validate_calendar,
)
from api.ids import new_id
from api.models import Calendar, Policy, Promise
from api.problems import Conflict, NotFound, Unprocessable
from api.tenancy.auth import Principal
from api.wire_types import MAX_DURATION, YEARS

ID_PREFIX = "cal"
_LAST_DAY = date(YEARS.stop - 1, 12, 31)
_MINUTES_A_DAY = 24 * 60
_UPDATABLE = ("name", "timezone", "weekly_hours", "country", "subdivision", "closed_dates",
              "open_dates")


# -- the domain calendar ------------------------------------------------------------------------


def _dates(values: Iterable[str]) -> frozenset[date]:
    return frozenset(date.fromisoformat(value) for value in values)


def _business_calendar(row: Calendar, years: range) -> BusinessCalendar:
    closed = _dates(row.closed_dates)
    if row.country is not None:
        closed |= public_holidays(row.country, row.subdivision, years)
    return BusinessCalendar(
        timezone=row.timezone,
        weekly_hours=parse_weekly_hours(row.weekly_hours),
        closed_dates=closed,
        open_dates=_dates(row.open_dates),
    )


def business_calendar_of(row: Calendar, around: datetime) -> BusinessCalendar:
    """The domain calendar of ``row``, with public holidays from the year before ``around``
    to three years after it."""
    return _business_calendar(row, range(around.year - 1, around.year + 4))


# -- validation ---------------------------------------------------------------------------------


def _invalid(error: CalendarError) -> Unprocessable:
    return Unprocessable.for_field(f"body.{error.field}", error.message)


def _normalised_hours(raw: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    """Every weekday in order, intervals sorted by start, the client's own spelling kept."""
    parse_weekly_hours(raw)  # raises CalendarError naming the bad interval
    hours: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        intervals = [list(pair) for pair in raw.get(day, [])]
        hours[day] = sorted(intervals, key=lambda pair: time.fromisoformat(pair[0]))
    return hours


def _check_open_dates(row: Calendar, given: Sequence[date] | None) -> None:
    """Each open date must re-open a day with hours; ``given`` is the client's own list, so
    the index in the problem is the one the client sent."""
    closed = set(row.closed_dates)
    texts = [day.isoformat() for day in given] if given is not None else row.open_dates
    for index, text in enumerate(texts):
        field = f"body.open_dates[{index}]"
        if text in closed:
            raise Unprocessable.for_field(field, f"{text} is also in closed_dates")
        weekday = WEEKDAYS[date.fromisoformat(text).weekday()]
        if not row.weekly_hours.get(weekday):
            raise Unprocessable.for_field(
                field, f"{text} is a {weekday}, which has no opening hours to open with"
            )


def _validate(row: Calendar, open_dates: Sequence[date] | None) -> None:
    """Raise Unprocessable naming the field of ``row`` (as `body.<field>`) that is unusable."""
    try:
        row.weekly_hours = _normalised_hours(row.weekly_hours)
        check_region(row.country, row.subdivision)
        validate_calendar(_business_calendar(row, range(0)))
    except CalendarError as error:
        raise _invalid(error) from None
    _check_open_dates(row, open_dates)


def _date_texts(values: Iterable[date]) -> list[str]:
    return sorted({value.isoformat() for value in values})


# -- reads --------------------------------------------------------------------------------------


def get_calendar(session: Session, tenant_id: str, calendar_id: str) -> Calendar:
    row = session.get(Calendar, (tenant_id, calendar_id))
    if row is None:
        raise NotFound(f"No calendar {calendar_id!r}.")
    return row


def _named(session: Session, tenant_id: str, name: str) -> Calendar | None:
    return session.exec(
        select(Calendar).where(col(Calendar.tenant_id) == tenant_id, col(Calendar.name) == name)
    ).first()


def find_calendar(session: Session, tenant_id: str, ref: str) -> Calendar | None:
    """The calendar whose id is ``ref`` (`cal_…`), else the one named ``ref``."""
    if ref.startswith(f"{ID_PREFIX}_"):
        row = session.get(Calendar, (tenant_id, ref))
        if row is not None:
            return row
    return _named(session, tenant_id, ref)


def list_calendars(
    session: Session, principal: Principal, limit: int, after: str | None
) -> tuple[list[Calendar], str | None]:
    """One page ordered by id, and the last id when there is a next page."""
    query = select(Calendar).where(col(Calendar.tenant_id) == principal.tenant_id)
    if after is not None:
        query = query.where(col(Calendar.id) > after)
    rows = list(session.exec(query.order_by(col(Calendar.id)).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


# -- writes -------------------------------------------------------------------------------------


def _name_taken(existing: Calendar) -> Conflict:
    return Conflict(f"A calendar named {existing.name!r} already exists.",
                    calendar_id=existing.id)


def _check_name_free(session: Session, row: Calendar) -> None:
    existing = _named(session, row.tenant_id, row.name)
    if existing is not None and existing.id != row.id:
        raise _name_taken(existing)


def _commit(session: Session, row: Calendar) -> None:
    """Commit ``row``; a name taken meanwhile by another request is a 409."""
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"A calendar named {row.name!r} already exists.") from None


def create_calendar(
    session: Session, principal: Principal, body: CalendarCreate, now: datetime
) -> Calendar:
    row = Calendar(
        tenant_id=principal.tenant_id,
        id=new_id(ID_PREFIX),
        name=body.name,
        timezone=body.timezone,
        weekly_hours=body.weekly_hours,
        country=body.country,
        subdivision=body.subdivision,
        closed_dates=_date_texts(body.closed_dates),
        open_dates=_date_texts(body.open_dates),
        created_at=now,
        updated_at=now,
    )
    _validate(row, body.open_dates)
    with writing(session):
        _check_name_free(session, row)
        _commit(session, row)
    return row


def _changes(body: CalendarUpdate) -> dict[str, Any]:
    given = body.model_dump(include=body.model_fields_set)
    for field in ("closed_dates", "open_dates"):
        if field in given:
            given[field] = _date_texts(given[field])
    if given.get("country", "") is None and "subdivision" not in given:
        given["subdivision"] = None
    return given


def update_calendar(
    session: Session, principal: Principal, calendar_id: str, body: CalendarUpdate,
    now: datetime,
) -> Calendar:
    """Change the fields given in ``body``; the others keep their values."""
    changes = _changes(body)
    with writing(session):
        row = get_calendar(session, principal.tenant_id, calendar_id)
        if not changes:
            return row
        # Validate a detached copy: a refused change must leave nothing behind in the session.
        changed = Calendar.model_validate({**row.model_dump(), **changes})
        _validate(changed, body.open_dates)
        _check_name_free(session, changed)
        for field in _UPDATABLE:
            setattr(row, field, getattr(changed, field))
        row.updated_at = now
        _commit(session, row)
    return row


def _count(session: Session, table: type[Policy] | type[Promise], tenant_id: str,
           calendar_id: str) -> int:
    return session.exec(
        select(func.count()).select_from(table).where(
            col(table.tenant_id) == tenant_id, col(table.calendar_id) == calendar_id
        )
    ).one()


def delete_calendar(session: Session, principal: Principal, calendar_id: str) -> None:
    """Delete a calendar no policy or promise refers to; a calendar in use is a 409."""
    with writing(session):
        row = get_calendar(session, principal.tenant_id, calendar_id)
        policies = _count(session, Policy, principal.tenant_id, calendar_id)
        promises = _count(session, Promise, principal.tenant_id, calendar_id)
        if policies or promises:
            raise Conflict(
                f"Calendar {calendar_id!r} is used by {policies} policy version(s) and "
                f"{promises} promise(s); it cannot be deleted.",
                policies=policies, promises=promises,
            )
        session.delete(row)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise Conflict(f"Calendar {calendar_id!r} came into use meanwhile; it cannot be "
                           "deleted.") from None


# -- arithmetic ---------------------------------------------------------------------------------


def _never_opens(calendar_id: str, error: NoOpenTime) -> Unprocessable:
    return Unprocessable(f"Calendar {calendar_id!r} never opens in the period asked: "
                         f"{error.message}.")


def business_time_between(
    session: Session, principal: Principal, calendar_id: str, a: datetime, b: datetime
) -> timedelta:
    """Business time in ``[a, b)``, negative when ``b`` is before ``a``."""
    row = get_calendar(session, principal.tenant_id, calendar_id)
    if abs(b - a) > MAX_DURATION:
        raise Unprocessable.for_field("query.to", f"from and to may be at most "
                                                  f"{MAX_DURATION.days} days apart")
    low, high = min(a, b), max(a, b)
    calendar = _business_calendar(row, range(low.year - 1, high.year + 2))
    return domain.business_time_between(calendar, a, b)


def _weekly_open_time(row: Calendar) -> timedelta:
    total = timedelta(0)
    for intervals in parse_weekly_hours(row.weekly_hours).values():
        for start, end in intervals:
            length = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            total += timedelta(minutes=length % _MINUTES_A_DAY or _MINUTES_A_DAY)
    return total


def _check_reachable(row: Calendar, start: datetime, duration: timedelta) -> None:
    """Refuse, before searching, a duration this calendar cannot give before the last supported
    year (an hour a week open and ten years of business time): closed days only make the
    answer later than this estimate, and DST adds at most an hour a week."""
    weeks = duration / (_weekly_open_time(row) + timedelta(hours=1))
    if weeks * 7 > (_LAST_DAY - start.date()).days + 7:
        raise Unprocessable.for_field(
            "query.duration",
            f"this calendar gives that much business time only after {_LAST_DAY.year}",
        )


def add_business_time(
    session: Session, principal: Principal, calendar_id: str, start: datetime,
    duration: timedelta,
) -> datetime:
    """The instant at which ``duration`` of business time has elapsed after ``start``."""
    row = get_calendar(session, principal.tenant_id, calendar_id)
    _check_reachable(row, start, duration)
    years = range(start.year - 1, start.year + 4)
    while True:
        try:
            result = domain.add_business_time(_business_calendar(row, years), start, duration)
        except NoOpenTime as error:
            raise _never_opens(calendar_id, error) from None
        # Holidays are known for `years` only: widen them until they cover the answer.
        if result.year + 1 < years.stop:
            return result
        years = range(years.start, result.year + 2)
