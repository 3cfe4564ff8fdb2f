"""Public holidays by country and subdivision, from the maintained `holidays` package.

Holidays are computed once per (country, subdivision, year) and kept in memory, so business-time
arithmetic on a calendar costs no holiday computation after the first request.
"""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache

import holidays

from api.domain.business_hours import CalendarError


@cache
def _supported() -> dict[str, tuple[str, ...]]:
    """Country code -> its subdivision codes, as the installed `holidays` release knows them."""
    return {
        country: tuple(subdivisions)
        for country, subdivisions in holidays.list_supported_countries().items()
    }


def check_region(country: str | None, subdivision: str | None) -> None:
    """Raise ``CalendarError`` (field ``country`` or ``subdivision``) unless public holidays are
    known for the region."""
    if country is None:
        if subdivision is not None:
            raise CalendarError("subdivision", "a subdivision needs a country")
        return
    supported = _supported()
    if country not in supported:
        hint = (f"; country codes are upper case: {country.upper()!r}"
                if country.upper() in supported else
                "; use an ISO 3166-1 code such as DE, FR or US")
        raise CalendarError("country", f"no public holidays are known for country {country!r}"
                                       f"{hint}")
    if subdivision is None:
        return
    try:
        holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        known = ", ".join(supported[country]) or "none"
        raise CalendarError(
            "subdivision", f"unknown subdivision {subdivision!r} of {country} (known: {known})"
        ) from None


@lru_cache(maxsize=4096)
def _holidays_of_year(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def public_holidays(country: str, subdivision: str | None, years: range) -> frozenset[date]:
    """The public holidays (observed days included) of the region in ``years``."""
    found: frozenset[date] = frozenset()
    for year in years:
        found |= _holidays_of_year(country, subdivision, year)
    return found
