"""The REST API root: /api/v1/, OpenAPI at /api/v1/openapi.json, bearer tokens."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from fangkong.core.models import ApiToken


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description="Outbreak prevention-and-control platform. Every list is cut to the caller's area.",
    auth=BearerToken(),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", [])[1:]) or None, "reason": e.get("msg", "")}
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": "invalid input", "errors": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return api.create_response(request, {"detail": "missing or invalid bearer token"}, status=401)


def register_routers() -> None:
    from fangkong.areas.api import router as areas_router
    from fangkong.control.api import control_router
    from fangkong.control.api import router as risk_router
    from fangkong.people.api import router as people_router
    from fangkong.people.api_import import router as import_router

    api.add_router("/areas", areas_router)
    api.add_router("/risk-areas", risk_router)
    api.add_router("/control", control_router)
    api.add_router("/", people_router)
    api.add_router("/imports", import_router)


register_routers()
