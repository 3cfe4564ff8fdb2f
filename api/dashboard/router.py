"""The dashboard's pages: sign-in and sign-out, overview, breakdown, at risk, promises.

HTML only; every page reads through the services (see figures.py and listing.py). Pages need a
signed session cookie (see session.py); forms that change state carry a CSRF token (csrf.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.dashboard import figures, listing, open_promises
from api.dashboard.access import session_secret, signed_in
from api.dashboard.charts import daily_outcomes_svg, rate_bar_svg, timeline_svg
from api.dashboard.csrf import FIELD, SIGN_IN_COOKIE, csrf_ok, csrf_token
from api.dashboard.rendering import (
    STATIC,
    STATIC_TYPES,
    form_fields,
    is_https,
    page,
    redirect,
    secured,
)
from api.dashboard.session import (
    COOKIE_NAME,
    MAX_AGE,
    DashboardSession,
    encode_session,
    new_nonce,
)
from api.dependencies import NowDep, SessionDep
from api.domain.scorecard_rules import parse_group_by
from api.problems import NotFound
from api.tenancy.auth import Principal, find_principal
from api.tenancy.keys import Scope, grants

router = APIRouter(prefix="/dashboard", include_in_schema=False)
SIGN_IN = "/dashboard/sign-in"
Viewer = tuple[Principal, DashboardSession]


def _viewer(request: Request, session: SessionDep, now: NowDep) -> Viewer | None:
    return signed_in(request, session, now)


def _common(request: Request, viewer: Viewer, current: str) -> dict[str, Any]:
    principal, cookie = viewer
    return {"current": current, "csrf_field": FIELD, "tenant_id": principal.tenant_id,
            "timezone": principal.timezone,
            "csrf": csrf_token(session_secret(request), cookie.nonce)}


@router.get("/static/{name}", summary="The dashboard's stylesheet and script")
def static_file(name: str) -> Response:
    if name not in STATIC_TYPES:
        raise NotFound(f"No file {name!r}.")
    response = Response((STATIC / name).read_bytes(), media_type=STATIC_TYPES[name])
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/sign-in", summary="The sign-in form")
def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request, None, 200)


def _sign_in_page(request: Request, error: str | None, status_code: int) -> Response:
    nonce = request.cookies.get(SIGN_IN_COOKIE) or new_nonce()
    response = page("sign_in.html", status_code=status_code, error=error, csrf_field=FIELD,
                    csrf=csrf_token(session_secret(request), nonce), current="sign-in")
    response.set_cookie(SIGN_IN_COOKIE, nonce, max_age=3600, path="/dashboard",
                        secure=is_https(request), httponly=True, samesite="strict")
    return response


@router.post("/sign-in", summary="Sign in with an API key")
async def sign_in(request: Request, session: SessionDep, now: NowDep) -> Response:
    form = await form_fields(request)
    secret = session_secret(request)
    if not csrf_ok(secret, request.cookies.get(SIGN_IN_COOKIE), form.get(FIELD)):
        return _sign_in_page(request, "The form had expired; please try again.", 403)
    principal = find_principal(session, form.get("key", "").strip())
    if principal is None:
        return _sign_in_page(request, "That API key is not valid or has been revoked.", 401)
    if not grants(principal.scopes, Scope.PROMISES_READ):
        return _sign_in_page(request, "That API key cannot read promises.", 403)
    cookie = DashboardSession(principal.tenant_id, principal.key_id, new_nonce(), now)
    response = redirect("/dashboard")
    response.set_cookie(COOKIE_NAME, encode_session(secret, cookie),
                        max_age=int(MAX_AGE.total_seconds()), path="/dashboard",
                        secure=is_https(request), httponly=True, samesite="strict")
    response.delete_cookie(SIGN_IN_COOKIE, path="/dashboard")
    return response


@router.post("/sign-out", summary="Sign out")
async def sign_out(request: Request, session: SessionDep, now: NowDep) -> Response:
    form = await form_fields(request)
    viewer = _viewer(request, session, now)
    if viewer is not None and not csrf_ok(session_secret(request), viewer[1].nonce,
                                          form.get(FIELD)):
        return secured(Response("The form had expired; go back and sign out again.",
                                status_code=403, media_type="text/plain"))
    response = redirect(SIGN_IN)
    response.delete_cookie(COOKIE_NAME, path="/dashboard")
    return response


def _days(value: int | None) -> int:
    return value if value in figures.PERIODS else 30


@router.get("", summary="Overview")
def overview_page(request: Request, session: SessionDep, now: NowDep,
                  days: Annotated[int | None, Query()] = None) -> Response:
    viewer = _viewer(request, session, now)
    if viewer is None:
        return redirect(SIGN_IN)
    period = figures.period_ending(now, _days(days))
    shown = figures.overview(session, viewer[0], period, now)
    return page("overview.html", **_common(request, viewer, "overview"), o=shown,
                periods=figures.PERIODS, change=figures.change,
                chart=daily_outcomes_svg(shown.days))


@router.get("/breakdown", summary="The scorecard by group")
def breakdown_page(request: Request, session: SessionDep, now: NowDep,
                   by: Annotated[str, Query()] = "kind",
                   sort: Annotated[str, Query()] = "key",
                   days: Annotated[int | None, Query()] = None) -> Response:
    viewer = _viewer(request, session, now)
    if viewer is None:
        return redirect(SIGN_IN)
    try:
        [key] = parse_group_by(by)
    except ValueError:
        key, by = parse_group_by("kind")[0], "kind"
    period = figures.period_ending(now, _days(days))
    found = figures.breakdown(session, viewer[0], period, key, now)
    rows = listing.sorted_groups(found.groups, sort)[:listing.BREAKDOWN_ROWS]
    return page("breakdown.html", **_common(request, viewer, "breakdown"), by=by, sort=sort,
                period=period, periods=figures.PERIODS, totals=found.totals, key_name=key.name,
                group_count=len(found.groups),
                rows=[(group, listing.group_link(key, group.value),
                       rate_bar_svg(group.keep_rate, "keep rate")) for group in rows])


@router.get("/at-risk", summary="Open promises by time remaining")
def at_risk_page(request: Request, session: SessionDep, now: NowDep) -> Response:
    viewer = _viewer(request, session, now)
    if viewer is None:
        return redirect(SIGN_IN)
    found = open_promises.open_by_time_remaining(session, viewer[0], now)
    return page("at_risk.html", **_common(request, viewer, "at-risk"), found=found, now=now)


@router.get("/promises", summary="The promises, filtered")
def promises_page(request: Request, session: SessionDep, now: NowDep) -> Response:
    viewer = _viewer(request, session, now)
    if viewer is None:
        return redirect(SIGN_IN)
    chosen = listing.ListFilters.from_query(request.query_params, viewer[0].timezone)
    rows, last = listing.promise_page(session, viewer[0], chosen, now)
    return page("promises.html", **_common(request, viewer, "promises"), f=chosen,
                promises=rows, next_query=chosen.next_query(last) if last else None,
                statuses=listing.STATUS_CHOICES)


@router.get("/promises/{promise_id}", summary="One promise's whole story")
def promise_page(promise_id: str, request: Request, session: SessionDep,
                 now: NowDep) -> Response:
    viewer = _viewer(request, session, now)
    if viewer is None:
        return redirect(SIGN_IN)
    try:
        story = listing.promise_story(session, viewer[0], promise_id, now)
    except NotFound:
        return page("not_found.html", status_code=404, **_common(request, viewer, "promises"))
    return page("promise.html", **_common(request, viewer, "promises"), s=story,
                timeline=timeline_svg(story.marks, story.row.due_at, story.public.deadline_at))
