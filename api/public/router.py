"""The public status: what a status token shows, with no API key, to any origin."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.dependencies import NowDep, SessionDep
from api.etags import json_response_with_etag
from api.problems import problem_responses
from api.public import status_service
from api.public.languages import CustomerLanguage
from api.public.rate_limit import LimitedByClientIp
from api.public.schemas import PublicStatus

router = APIRouter(prefix="/v1/public", tags=["public"])

MAX_AGE = "max-age=30"


@router.get(
    "/status/{token}",
    summary="A promise's or an order's status, as its customer may see it (no API key)",
    response_model=PublicStatus,
    responses={304: {"description": "Not modified (If-None-Match)"},
               **problem_responses(404, 422, 429)},
    description="Texts and dates follow `?lang=`, else `Accept-Language`, else English. "
    "Unknown, expired and revoked tokens are the same 404. Limited per client IP (429 with "
    "`Retry-After`). CORS is open to any origin.",
)
def read_public_status(
    token: str, _limited: LimitedByClientIp, language: CustomerLanguage, session: SessionDep,
    now: NowDep, request: Request,
) -> Response:
    status = status_service.public_status(session, token, now, language)
    return json_response_with_etag(request, status, headers={
        "Cache-Control": MAX_AGE,
        "Vary": "Accept-Language",
        "Content-Language": language.tag,
    })
