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



