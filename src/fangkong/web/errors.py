"""Error answers that say nothing secret: the exception reporter's filter and the sign-in lockout page."""

from __future__ import annotations

import math
import re

from axes.helpers import get_cool_off
from django.shortcuts import render
from django.views.debug import SafeExceptionReporterFilter


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    """Django's filter, plus connection strings: DATABASE_URL (in request.META under the development
    server, and in the environment) carries the database password in clear."""

    hidden_settings = re.compile("API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|DSN", flags=re.I)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer: our page, 429, and Retry-After (a failure while locked out starts the
    cool-off again, so the whole cool-off is the honest wait)."""
    cool_off = get_cool_off(request)
    if cool_off is None:  # AXES_COOLOFF_TIME None: locked until an administrator unlocks; no wait to announce
        return render(request, "web/locked_out.html", {"minutes": None}, status=429)
    seconds = max(1, math.ceil(cool_off.total_seconds()))
    response = render(request, "web/locked_out.html", {"minutes": math.ceil(seconds / 60)}, status=429)
    response["Retry-After"] = str(seconds)
    return response
