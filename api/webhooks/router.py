"""HTTP routes of webhook endpoints and deliveries (admin keys).

These POSTs do not replay `Idempotency-Key`s: a replay would have to keep the endpoint's
secret, and secrets are shown once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.dependencies import NowDep, SessionDep, SettingsDep
from api.etags import json_response_with_etag
from api.models import WebhookEndpoint
from api.pagination import Cursor, Limit, continue_after, decode_cursor
from api.problems import problem_responses
from api.tenancy.auth import Admin
from api.webhooks import service
from api.webhooks.schemas import (
    AttemptPublic,
    DeliveryList,
    DeliveryPublic,
    EndpointCreate,
    EndpointList,
    EndpointPublic,
    EndpointUpdate,
    EndpointWithSecret,
)
from api.webhooks.states import DeliveryState

router = APIRouter(prefix="/v1", tags=["webhooks"])

# Ids are short and plain; anything else (a NUL byte, say) is refused before the database.
EndpointId = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
DeliveryId = Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def _public(row: WebhookEndpoint) -> EndpointPublic:
    return EndpointPublic.model_validate(row, from_attributes=True)


def _with_secret(row: WebhookEndpoint) -> EndpointWithSecret:
    return EndpointWithSecret.model_validate(row, from_attributes=True)


def _delivery(view: service.DeliveryView) -> DeliveryPublic:
    row = view.delivery
    return DeliveryPublic(
        id=row.id, message_id=row.message_id, endpoint_id=row.endpoint_id, type=view.type,
        state=DeliveryState(row.state), attempt_count=row.attempt_count,
        next_attempt_at=row.next_attempt_at, last_status_code=row.last_status_code,
        last_latency_ms=row.last_latency_ms, last_error=row.last_error,
        created_at=row.created_at, completed_at=row.completed_at,
        attempts=[AttemptPublic.model_validate(a, from_attributes=True) for a in view.attempts],
    )


@router.post(
    "/webhook-endpoints",
    summary="Subscribe a URL to promise events",
    status_code=201,
    response_model=EndpointWithSecret,
    responses=problem_responses(400, 401, 403, 413, 422),
    description="The response holds the signing `secret` (`whsec_…`), shown this once.",
)
def create_endpoint(
    body: EndpointCreate, principal: Admin, session: SessionDep, settings: SettingsDep,
    now: NowDep, request: Request, response: Response,
) -> EndpointWithSecret:
    row = service.create_endpoint(session, principal, body, settings.webhook_allow_private, now)
    response.headers["Location"] = str(request.url_for("get_endpoint", endpoint_id=row.id))
    return _with_secret(row)


@router.get(
    "/webhook-endpoints",
    summary="List webhook endpoints",
    response_model=EndpointList,
    responses=problem_responses(401, 403, 422),
)
def list_endpoints(
    principal: Admin, session: SessionDep, request: Request, response: Response,
    limit: Limit = 50, cursor: Cursor = None,
) -> EndpointList:
    rows, last = service.list_endpoints(session, principal, limit, decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return EndpointList(data=[_public(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/webhook-endpoints/{endpoint_id}",
    summary="Read one webhook endpoint",
    response_model=EndpointPublic,
    responses={304: {"description": "Not modified (If-None-Match)"},
               **problem_responses(401, 403, 404, 422)},
)
def get_endpoint(
    endpoint_id: EndpointId, principal: Admin, session: SessionDep, request: Request
) -> Response:
    return json_response_with_etag(
        request, _public(service.get_endpoint(session, principal, endpoint_id)))


@router.patch(
    "/webhook-endpoints/{endpoint_id}",
    summary="Change a webhook endpoint",
    response_model=EndpointPublic,
    responses=problem_responses(400, 401, 403, 404, 413, 422),
    description="Only the fields given change. Disabling an endpoint gives up its waiting "
    "deliveries; enabling it clears `disabled_reason` and `failing_since`.",
)
def update_endpoint(
    endpoint_id: EndpointId, body: EndpointUpdate, principal: Admin, session: SessionDep,
    settings: SettingsDep, now: NowDep,
) -> EndpointPublic:
    return _public(service.update_endpoint(session, principal, endpoint_id, body,
                                           settings.webhook_allow_private, now))


@router.delete(
    "/webhook-endpoints/{endpoint_id}",
    summary="Delete a webhook endpoint and its delivery history",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 422),
)
def delete_endpoint(
    endpoint_id: EndpointId, principal: Admin, session: SessionDep, now: NowDep
) -> Response:
    service.delete_endpoint(session, principal, endpoint_id, now)
    return Response(status_code=204)


@router.post(
    "/webhook-endpoints/{endpoint_id}/rotate-secret",
    summary="Replace the signing secret",
    response_model=EndpointWithSecret,
    responses=problem_responses(401, 403, 404, 422),
    description="Returns the new `secret`, shown this once. For 24 hours messages are signed "
    "with both the new and the old secret, so receivers can switch without losing any.",
)
def rotate_secret(
    endpoint_id: EndpointId, principal: Admin, session: SessionDep, now: NowDep
) -> EndpointWithSecret:
    return _with_secret(service.rotate_secret(session, principal, endpoint_id, now))


@router.post(
    "/webhook-endpoints/{endpoint_id}/test",
    summary="Send a test message to the endpoint",
    status_code=202,
    response_model=DeliveryPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    description="Queues a `webhook.test` message (`data`: `endpoint_id`, `message`), signed "
    "like every other; follow it in the endpoint's deliveries.",
)
def send_test(
    endpoint_id: EndpointId, principal: Admin, session: SessionDep, now: NowDep
) -> DeliveryPublic:
    return _delivery(service.send_test(session, principal, endpoint_id, now))


@router.get(
    "/webhook-endpoints/{endpoint_id}/deliveries",
    summary="Deliveries to the endpoint, newest first, with their attempts",
    response_model=DeliveryList,
    responses=problem_responses(401, 403, 404, 422),
)
def list_deliveries(
    endpoint_id: EndpointId, principal: Admin, session: SessionDep, request: Request,
    response: Response, state: DeliveryState | None = None, limit: Limit = 50,
    cursor: Cursor = None,
) -> DeliveryList:
    views, last = service.list_deliveries(session, principal, endpoint_id, state, limit,
                                          decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return DeliveryList(data=[_delivery(view) for view in views], next_cursor=next_cursor)


@router.post(
    "/deliveries/{delivery_id}/redeliver",
    summary="Send a delivery's message again, now",
    status_code=202,
    response_model=DeliveryPublic,
    responses=problem_responses(401, 403, 404, 409, 422),
    description="A waiting delivery is attempted at once; a finished one (succeeded or "
    "failed) is sent again as a new delivery with the same `webhook-id`.",
)
def redeliver(
    delivery_id: DeliveryId, principal: Admin, session: SessionDep, now: NowDep
) -> DeliveryPublic:
    return _delivery(service.redeliver(session, principal, delivery_id, now))
