"""RFC 9457 problem details: the one error shape of every response Kept sends."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://kept.dev/problems/"


class FieldError(BaseModel):
    field: str = Field(description="Where the bad value is, e.g. `body.due_at` or `query.limit`")
    message: str
    type: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """An expected failure that becomes a problem response. Subclasses set status and slug."""

    status: int = 400
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    @property
    def title(self) -> str:
        return HTTPStatus(self.status).phrase

    def to_problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=PROBLEM_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
            **self.extra,
        )


class BadRequest(ProblemError):
    status, slug = 400, "bad-request"


class Unauthorized(ProblemError):
    status, slug = 401, "unauthorized"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="kept"'})


class Forbidden(ProblemError):
    status, slug = 403, "forbidden"


class NotFound(ProblemError):
    status, slug = 404, "not-found"


class Conflict(ProblemError):
    status, slug = 409, "conflict"


class PayloadTooLarge(ProblemError):
    status, slug = 413, "payload-too-large"


class Unprocessable(ProblemError):
    status, slug = 422, "validation-error"

    @classmethod
    def for_field(cls, field: str, message: str) -> Unprocessable:
        return cls(message, errors=[FieldError(field=field, message=message)])


class TooManyRequests(ProblemError):
    status, slug = 429, "too-many-requests"


class ServiceUnavailable(ProblemError):
    status, slug = 503, "service-unavailable"


def item_problem(error: ProblemError, index: int, instance: str) -> dict[str, Any]:
    """A batch item's problem, its fields named from the batch: `items[3].due_at`."""
    problem = error.to_problem(instance)
    for field_error in problem.errors or []:
        name = field_error.field.removeprefix("body").removeprefix("items").lstrip(".")
        field_error.field = f"items[{index}]" + (f".{name}" if name else "")
    return problem.model_dump(mode="json", exclude_none=True)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry documenting a route's problem responses in OpenAPI."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
