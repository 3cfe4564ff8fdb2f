"""Choosing the customer's language from `?lang=` and `Accept-Language`, with English last.

Two things are chosen: the catalogue whose sentences are shown (`pt_BR`, `es`…) and the Babel
locale that formats dates, which may be more precise than the catalogue: `es-MX` reads the
Spanish sentences with Mexican dates, `en-GB` the English sentences with British dates. A
Portuguese reader outside Brazil (`pt`, `pt-PT`) gets the Brazilian sentences, as the nearest
we have, with dates of their own locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from babel import Locale, UnknownLocaleError
from fastapi import Depends, Query, Request

from api.public.catalogues import FALLBACK_LANGUAGE, available_languages

MAX_PREFERENCES = 20
MAX_TAG_LENGTH = 35


@dataclass(frozen=True)
class Language:
    catalogue: str
    date_locale: Locale

    @property
    def tag(self) -> str:
        """The catalogue's language as a BCP 47 tag, for `Content-Language`."""
        return self.catalogue.replace("_", "-")


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags by preference (q-value, then order); q=0 and malformed entries dropped."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:MAX_PREFERENCES]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or len(tag) > MAX_TAG_LENGTH:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0.0 < quality <= 1.0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def _babel_locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def _catalogue_for(tag: str, available: frozenset[str]) -> str | None:
    parts = tag.replace("_", "-").split("-")
    language = parts[0].lower()
    regions = [part.upper() for part in parts[1:] if len(part) == 2 and part.isalpha()]
    for region in regions:
        if f"{language}_{region}" in available:
            return f"{language}_{region}"
    if language in available:
        return language
    same_language = sorted(name for name in available if name.split("_")[0] == language)
    return same_language[0] if same_language else None


def _choose(tag: str, available: frozenset[str]) -> Language | None:
    if tag == "*":
        return None
    catalogue = _catalogue_for(tag, available)
    if catalogue is None:
        return None
    locale = _babel_locale(tag)
    if locale is None or locale.language != catalogue.split("_")[0]:
        locale = Locale.parse(catalogue)
    return Language(catalogue, locale)


def negotiate(
    query_lang: str | None, accept_language: str | None, available: frozenset[str]
) -> Language:
    """`?lang=` first, then `Accept-Language` by preference, then English."""
    preferences = parse_accept_language(accept_language)
    if query_lang and len(query_lang) <= MAX_TAG_LENGTH:
        preferences = [query_lang.strip(), *preferences]
    for tag in preferences:
        chosen = _choose(tag, available)
        if chosen is not None:
            return chosen
    return Language(FALLBACK_LANGUAGE, Locale.parse(FALLBACK_LANGUAGE))


def customer_language(
    request: Request,
    lang: Annotated[str | None, Query(
        max_length=MAX_TAG_LENGTH,
        description="Language of the texts (e.g. `pt-BR`); else `Accept-Language`; else English",
    )] = None,
) -> Language:
    return negotiate(lang, request.headers.get("accept-language"), available_languages())


CustomerLanguage = Annotated[Language, Depends(customer_language)]
