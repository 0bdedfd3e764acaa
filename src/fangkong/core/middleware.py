import re

from django.http import JsonResponse
from django.utils.translation import gettext as _


class NoStoreForPersonalDataMiddleware:
    """Pages for signed-in users and API answers may carry personal data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class ApiErrorBodyMiddleware:
    """Errors answered under /api/ outside ninja's handlers (unknown route, wrong method) get the uniform body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            body = {"detail": _("not found"), "errors": [{"field": None, "reason": _("no such API route")}]}
        elif response.status_code == 405:
            allowed = response.get("Allow", "")
            body = {"detail": _("method not allowed"),
                    "errors": [{"field": None, "reason": _("allowed methods: %(allowed)s") % {"allowed": allowed}}]}
        else:
            body = {"detail": response.reason_phrase, "errors": []}
        new = JsonResponse(body, status=response.status_code, json_dumps_params={"ensure_ascii": False})
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if header in response:
                new[header] = response[header]
        return new





# NUL breaks PostgreSQL text (a 500 from any filter that takes the value); no other control character belongs in a
# query parameter either.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RequestBodyGuard:
    """A request that cannot be read answers before anything reads it: 413 when its body is too big, 400 when a
    multipart upload names no boundary or (pages) a query parameter holds a control character. Without this, Django raises while a view or ninja reads `request.POST` / `.body`
    (RequestDataTooBig, MultiPartParserError) and the answer is a bare 400 or, in ninja, a 500.

    Limits: DATA_UPLOAD_MAX_MEMORY_SIZE for every body but a multipart upload, FANGKONG_UPLOAD_MAX_MB for an
    upload (the people, arrival and risk-area imports, a gathering's plan file).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        with translation.override(translation.get_language_from_request(request)):  # before LocaleMiddleware
            refusal = self.refusal(request)
            if refusal is None:
                return self.get_response(request)
            return self.refuse(request, *refusal)

    @staticmethod
    def refuse(request, status: int, field: str, reason: str):
        if request.path.startswith("/api/"):
            detail = _("request too large") if status == 413 else _("bad request")
            return JsonResponse({"detail": detail, "errors": [{"field": field, "reason": reason}]}, status=status,
                                json_dumps_params={"ensure_ascii": False})
        from django.shortcuts import render

        return render(request, "400.html", {"reason": reason, "too_large": status == 413}, status=status)

    @staticmethod
    def refusal(request) -> tuple[int, str, str] | None:
        from django.conf import settings
        from django.utils.http import parse_header_parameters

        if not request.path.startswith("/api/"):  # the API's schemas refuse them field by field (422)
            for name, value in request.GET.lists():
                if any(_CONTROL.search(v) for v in value) or _CONTROL.search(name):
                    return 400, name, _("a query parameter must not contain control characters")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return 400, "Content-Length", _("the Content-Length header is not a number")
        content_type, params = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
        if content_type == "multipart/form-data":
            boundary = params.get("boundary", "")
            if not boundary or len(boundary) > 70 or not boundary.isascii():
                return 400, "Content-Type", _("a multipart/form-data upload needs a boundary in its Content-Type header; "
                                              "send the file as a form upload (curl -F file=@name.xlsx)")
            limit_mb = settings.FANGKONG_UPLOAD_MAX_MB
            if length > limit_mb * 1024 * 1024:
                return 413, "file", _("the upload is larger than %(mb)d MB") % {"mb": limit_mb}
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return 413, "body", _("the body is larger than %(kb)d KB") % {"kb": limit // 1024}
        return None


class AppErrorPages:
    """The pages' half of the one error handler (the API's is in fangkong.api): a service's refusal that a view
    did not turn into form errors becomes an error page with its status and reason, instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from fangkong.core.errors import AppError

        if not isinstance(exception, AppError) or request.path.startswith("/api/"):
            return None
        if exception.status == 403:
            return render(request, "403.html", {"exception": str(exception)}, status=403)
        reason = "; ".join(r for _f, r in exception.field_errors)
        return render(request, "400.html", {"reason": reason}, status=exception.status)
