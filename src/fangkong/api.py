"""The REST API root: /api/v1/, OpenAPI at /api/v1/openapi.json, bearer tokens.

Every error is answered with the uniform body of core.api_support (never a 500 for
bad input): the handlers below turn the domain's exceptions into it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from fangkong.core.access import TooManyRequests
from fangkong.core.api_support import ApiError, BearerToken, error_field
from fangkong.core.errors import AppError


class Utf8JSONRenderer(JSONRenderer):
    """Chinese names as UTF-8 rather than \\u escapes: readable in curl and in logs of other systems."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description=(
        "Outbreak prevention-and-control platform. Every list and every record is cut to the caller's "
        "area: a record outside it answers 404. Errors have one shape: "
        '`{"detail": ..., "errors": [{"field": ..., "reason": ...}]}`.'
    ),
    auth=BearerToken(),
    renderer=Utf8JSONRenderer(),
    urls_namespace="api",
)


def _answer(request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ApiError)
def api_error(request, exc: ApiError):
    return _answer(request, exc.status, exc.detail, exc.errors)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = [{"field": error_field(e.get("loc", ())), "reason": str(e.get("msg", ""))} for e in exc.errors]
    return _answer(request, 422, _("invalid input"), errors)


@api.exception_handler(AppError)
def app_error(request, exc: AppError):
    # The one application error type (core.errors): invalid input 422, a domain refusal 403, done meanwhile 409.
    return _answer(request, exc.status, str(exc.detail), [{"field": f, "reason": r} for f, r in exc.field_errors])


@api.exception_handler(Http404)
def not_found(request, exc):
    # The path parameter that named the record (pk, code), so the client knows what was not found.
    kwargs = list(getattr(getattr(request, "resolver_match", None), "kwargs", {}) or {})
    field = kwargs[-1] if kwargs else None
    return _answer(request, 404, _("not found"), [{"field": field, "reason": _("no such record in your area")}])


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    response = _answer(
        request, 401, _("not signed in"),
        [{"field": "Authorization", "reason": _("missing, revoked or invalid bearer token")}],
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(TooManyRequests)
def too_many_requests(request, exc: TooManyRequests):
    response = _answer(request, 429, _("too many requests"), [
        {"field": "id_number", "reason": _("too many lookups of document numbers; wait before asking again")}])
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(DjangoPermissionDenied)
def permission_denied(request, exc):
    return _answer(request, 403, _("forbidden"), [{"field": None, "reason": str(exc) or _("not allowed")}])


@api.exception_handler(IntegrityError)
def conflict(request, exc):
    # A concurrent write won the race for a unique value (a document number, a household code).
    return _answer(request, 409, _("conflict"), [{"field": None, "reason": _("the record conflicts with one saved meanwhile; retry")}])


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    # Bodies with a Content-Length are refused earlier (core.middleware.RequestBodyGuard); this is a chunked one.
    return _answer(request, 413, _("request too large"), [{"field": "body", "reason": _("the body is too large")}])


@api.exception_handler(MultiPartParserError)
def unreadable_upload(request, exc):
    return _answer(request, 400, _("bad request"), [{"field": "file", "reason": _("the upload could not be read as multipart/form-data")}])


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if exc.status_code == 400:  # ninja could not parse the body (not JSON, wrong encoding)
        return _answer(request, 400, _("bad request"), [{"field": "body", "reason": _("the body is not valid JSON")}])
    return _answer(request, exc.status_code, str(exc))


def register_routers() -> None:
    from fangkong.areas.api import router as areas_router
    from fangkong.arrivals.api import router as arrivals_router
    from fangkong.control.api import control_router
    from fangkong.gatherings.api import router as gatherings_router
    from fangkong.healthcodes.api import router as health_codes_router
    from fangkong.people.api import router as people_router
    from fangkong.people.api_import import router as import_router
    from fangkong.policy.api import router as policy_router
    from fangkong.risk.api import router as risk_router

    api.add_router("/areas", areas_router)
    api.add_router("/risk-areas", risk_router)
    api.add_router("/control", control_router)
    api.add_router("/control", gatherings_router)
    api.add_router("/control", health_codes_router)
    api.add_router("/control", arrivals_router)
    api.add_router("/", people_router)
    api.add_router("/imports", import_router)
    api.add_router("/policy", policy_router)
    from fangkong.arrivals.api_import import router as arrival_import_router

    api.add_router("/arrival-imports", arrival_import_router)
    from fangkong.testing.api import router as testing_router

    api.add_router("/testing", testing_router)


register_routers()
