"""Translation catalogues: gettext `.po` files under `locales/<lang>/LC_MESSAGES/`, read by Babel.

Message ids are keys (`message.on_track.delivery`); English (`en`) holds the source text and is
the fallback for any id another catalogue lacks. Catalogues are read once, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
FALLBACK_LANGUAGE = "en"


def _read(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    texts: dict[str, str] = {}
    for message in catalogue:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str) \
                and message.string and not message.fuzzy:
            texts[message.id] = message.string
    return texts


@cache
def catalogues() -> dict[str, dict[str, str]]:
    """Every catalogue by its language (`en`, `pt_BR`, …)."""
    found = {
        path.parent.parent.name: _read(path)
        for path in sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    }
    if FALLBACK_LANGUAGE not in found:
        raise RuntimeError(f"the {FALLBACK_LANGUAGE} catalogue is missing from {LOCALES_DIR}")
    return found


def available_languages() -> frozenset[str]:
    return frozenset(catalogues())


@dataclass(frozen=True)
class Translator:
    """Texts of one catalogue, falling back to English, with `{placeholders}` filled in."""

    language: str

    def has(self, message_id: str) -> bool:
        return message_id in catalogues().get(self.language, {})

    def text(self, message_id: str, **values: str) -> str:
        texts = catalogues()
        template = texts.get(self.language, {}).get(message_id)
        if template is None:
            template = texts[FALLBACK_LANGUAGE].get(message_id)
        if template is None:
            raise KeyError(f"no catalogue has the message {message_id!r}")
        return template.format(**values) if values else template

    def first(self, message_ids: tuple[str, ...], **values: str) -> str:
        """The first of `message_ids` this language (else English) has."""
        for message_id in message_ids:
            if self.has(message_id):
                return self.text(message_id, **values)
        for message_id in message_ids:
            if message_id in catalogues()[FALLBACK_LANGUAGE]:
                return self.text(message_id, **values)
        raise KeyError(f"no catalogue has any of {message_ids!r}")
