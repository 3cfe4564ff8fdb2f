"""Reading the public status behind a token: load the token and its promises, then render."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api.domain.customer_status import kind_label_id
from api.models import Promise
from api.problems import NotFound
from api.public.catalogues import Translator
from api.public.languages import Language
from api.public.rendering import customer_status
from api.public.schemas import PublicStatus, TokenScope
from api.public.tokens import find_live_token

# An order shows at most this many promises (the earliest due first).
MAX_ORDER_PROMISES = 100


def not_found(words: Translator) -> NotFound:
    """The one answer for unknown, expired and revoked tokens alike."""
    return NotFound(words.text("error.not_found"), headers={"Cache-Control": "no-store"})


def public_status(
    session: Session, token: str, now: datetime, language: Language
) -> PublicStatus:
    words = Translator(language.catalogue)
    row = find_live_token(session, token, now)
    if row is None:
        raise not_found(words)
    if row.promise_id is not None:
        promise = session.get(Promise, (row.tenant_id, row.promise_id))
        promises = [promise] if promise is not None else []
        scope = TokenScope.PROMISE
    else:
        promises = list(session.exec(
            select(Promise)
            .where(col(Promise.tenant_id) == row.tenant_id, col(Promise.order_id) == row.order_id)
            .order_by(col(Promise.due_at), col(Promise.id))
            .limit(MAX_ORDER_PROMISES)
        ).all())
        scope = TokenScope.ORDER
    if not promises:
        raise not_found(words)
    shown = [customer_status(promise, now, language, words) for promise in promises]
    title = (words.text(kind_label_id(promises[0].kind)) if scope is TokenScope.PROMISE
             else words.text("ui.order_title"))
    return PublicStatus(language=language.tag, scope=scope, title=title, promises=shown)
