"""The busiest call of the platform, the health-code scan (验码), answered near the front of the stack.

Venues and checkpoints scan all day. Through the whole middleware stack, URL routing, ninja and
the ORM, a scan cost about ten times a trivial request (bench/results/verify_*). This middleware
sits right after SecurityMiddleware (so the HTTPS redirect and the security headers still apply)
and answers a well-formed token scan itself: the same bearer-token check, the same service
(`verification.verification_by_bearer`: token check, rate limit, lookup and log, one statement on PostgreSQL), the
same bodies and headers. Everything else (another path or method, a body that is not a plain
token scan, a missing or unknown token, a typed ID number) goes down the normal stack
untouched, so every error keeps its one shape and its one implementation.
`VERIFY_FAST_PATH = False` turns it off; the tests compare both ways.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from fangkong.healthcodes import verification

PATH = "/api/v1/control/verify"
MAX_BODY = 1024
# Only what every layer below would take unchanged: a QR token's URL-safe base64 and a printable device id.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DEVICE = re.compile(r"[\x21-\x7e]{1,64}")
_FIELDS = frozenset({"token", "device", "id_number"})


def plain_token_scan(request) -> tuple[str, str, str] | None:
    """(bearer token, QR token, device) when the request is a well-formed token scan, else None."""
    if request.method != "POST" or request.path_info != PATH or request.content_type != "application/json":
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    scheme, _sep, bearer = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer:
        return None
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    if not isinstance(body, dict) or not set(body) <= _FIELDS or body.get("id_number", "") != "":
        return None
    token, device = body.get("token"), body.get("device")
    if not (isinstance(token, str) and _TOKEN.fullmatch(token) and isinstance(device, str) and _DEVICE.fullmatch(device)):
        return None
    return bearer, token, device


class VerificationFastPath:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not getattr(settings, "VERIFY_FAST_PATH", True) or request.path_info != PATH:
            return self.get_response(request)
        scan = plain_token_scan(request)
        if scan is None:
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it below (a bad host: 400)
        bearer, token, device = scan
        verified = verification.verification_by_bearer(bearer=bearer, device=device, token=token,
                                                   limit=verification.VERIFY_PER_MINUTE)
        if verified is None:
            return self.get_response(request)  # ninja answers 401 in the API's shape
        language = translation.get_language_from_request(request)
        with translation.override(language):
            if not verified.verdict.allowed:
                response = _json(429, {"detail": _("too many verifications; wait a minute"), "errors": []})
                response["Retry-After"] = str(verified.verdict.retry_after)
            elif verified.answer is None:
                response = _json(404, {"detail": _("no such health code"), "errors": []})
            else:
                response = _json(200, verified.answer)
        # What LocaleMiddleware, XFrameOptionsMiddleware and NoStoreForPersonalDataMiddleware add below.
        response["Content-Language"] = language
        patch_vary_headers(response, ("Accept-Language",))
        response["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY").upper()
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


def _json(status: int, body: dict) -> JsonResponse:
    return JsonResponse(body, status=status, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False},
                        content_type="application/json; charset=utf-8")
