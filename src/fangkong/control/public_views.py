"""The public, no-login pages: self-declaration of arrivals (from a community's QR poster) and personal check-ins.

Who may use them is decided by a signed token in the URL, nothing else. Every request is
counted against per-IP limits (and per-community or per-link ones for submissions) kept in
the database; a form carries a honeypot field and a signed render time; a body that is too
large or not a plain form post is refused before it is read; CSRF stays on; nothing is cached.
Logs name the community or link and the kind of refusal, never what a person typed.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from fangkong.control import selectors, services
from fangkong.control.forms import apply_errors
from fangkong.control.public_forms import HONEYPOT, STAMP, SelfCheckinForm
from fangkong.control.public_tokens import render_stamp, stamp_age
from fangkong.core import ratelimit
from fangkong.core.access import client_ip
from fangkong.core.clock import now, today
from fangkong.core.errors import InvalidInput
from fangkong.policy.engine import Plan

log = logging.getLogger("fangkong.public")

MEASURE_NAMES = {
    "centralized_isolation": gettext_lazy("Centralized isolation"),
    "home_isolation": gettext_lazy("Home isolation"),
    "home_health_monitoring": gettext_lazy("Home health monitoring"),
    "self_monitoring": gettext_lazy("Self health monitoring"),
}
MEASURE_ADVICE = {
    "centralized_isolation": gettext_lazy(
        "Stay where you are and do not go out: staff will contact you and take you to an isolation site."),
    "home_isolation": gettext_lazy("Stay at home and do not go out; do not receive visitors."),
    "home_health_monitoring": gettext_lazy("Stay at home as much as you can and do not join gatherings."),
    "self_monitoring": gettext_lazy("Watch your health and avoid gatherings."),
}


def _conf() -> dict:
    return settings.FANGKONG_PUBLIC


def _ip(request) -> str:
    """The client's address. Behind N trusted proxies it is the N-th X-Forwarded-For entry from the right
    (each proxy appends the address it saw), so a client cannot pick its own by sending the header."""
    hops = _conf()["TRUSTED_PROXIES"]
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return client_ip(request) or "unknown"


def _refused(request, reason: str, status: int) -> HttpResponse:
    return render(request, "control/public/refused.html", {"reason": reason}, status=status)


def _too_many(request, rule: str, subject: str, limit_key: str) -> HttpResponse | None:
    conf = _conf()
    verdict = ratelimit.hit(rule, subject, limit=conf[limit_key], window=conf[f"{limit_key}_SECONDS"])
    if verdict.allowed:
        return None
    log.warning("public page refused: rate limit %s reached (%d hits, limit %d)", rule, verdict.hits, verdict.limit)
    response = _refused(request, "rate", 429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def guarded(view):
    """Refuse an oversized or non-form POST before anything reads its body, then check CSRF as usual."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > _conf()["MAX_BODY_BYTES"]:
                log.warning("public page refused: body of %s bytes", request.META.get("CONTENT_LENGTH"))
                return _refused(request, "size", 413)
            kind = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            if kind != "application/x-www-form-urlencoded":
                return _refused(request, "type", 415)
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _protection_problem(post, page: str) -> str | None:
    """"honeypot", "forged", "too_fast", "too_old" or None."""
    if post.get(HONEYPOT, ""):
        return "honeypot"
    age = stamp_age(post.get(STAMP, ""), page, int(now().timestamp()))
    if age is None:
        return "forged"
    if age < _conf()["FORM_MIN_SECONDS"]:
        return "too_fast"
    if age > _conf()["FORM_MAX_SECONDS"]:
        return "too_old"
    return None


def _timing_message(problem: str) -> str:
    if problem == "too_fast":
        return _("The form was sent too quickly after it opened. Please check your answers and send it again.")
    return _("The form was open for too long. Please check your answers and send it again.")


def _fresh_stamp(form, page: str) -> None:
    """Re-rendered forms get a new render time (and an empty honeypot)."""
    stamp = render_stamp(page, int(now().timestamp()))
    if form.is_bound:
        form.data = form.data.copy()
        form.data[STAMP] = stamp
        form.data[HONEYPOT] = ""
    else:
        form.initial[STAMP] = stamp


def plan_in_plain_words(plan: Plan) -> dict:
    return {
        "measures": [
            {"name": MEASURE_NAMES.get(m.measure, m.measure), "advice": MEASURE_ADVICE.get(m.measure, ""),
             "start": m.start, "end": m.end, "test_days": m.test_days}
            for m in plan.measures
        ],
        "checkins_per_day": plan.checkins_per_day,
        "negative_test_days": plan.requires_negative_test_within_days,
    }


@never_cache
@guarded
@require_http_methods(["GET", "POST"])
def checkin(request, token: str):
    link = selectors.checkin_link_from_token(token)
    if link is None:
        return render(request, "control/public/invalid.html", status=404)
    if limited := _too_many(request, "view-ip", _ip(request), "VIEW_PER_IP"):
        return limited
    if services.checkin_link_state(link) != "ok":
        return render(request, "control/public/link_ended.html", status=410)
    page = f"checkin:{link.pk}"
    status = 200
    if request.method == "GET":
        form = SelfCheckinForm()
    elif limited := (_too_many(request, "submit-ip", _ip(request), "SUBMIT_PER_IP")
                     or _too_many(request, "checkin-link", str(link.pk), "CHECKIN_PER_LINK")):
        return limited
    else:
        form = SelfCheckinForm(request.POST)
        problem = _protection_problem(request.POST, page)
        if problem in ("honeypot", "forged"):
            log.warning("check-in refused: %s, link %s", problem, link.pk)
            return _refused(request, "form", 400)
        if problem:
            form.add_error(None, _timing_message(problem))
            status = 400
        elif form.is_valid():
            try:
                services.checkin_self_record(link=link, temperature=form.cleaned_data["temperature"],
                                             symptoms=form.cleaned_data["symptoms"])
            except InvalidInput as exc:
                apply_errors(form, exc.errors)
            else:
                return redirect(f"{request.path}?done=1")
    _fresh_stamp(form, page)
    day = selectors.self_checkin_status(link=link, on=today())
    alarming = False
    if request.GET.get("done") == "1":
        last = link.order.checkins.filter(by="self").order_by("-at").first()
        fever = services.active_profile().escalation.fever_celsius
        alarming = last is not None and (float(last.temperature) >= fever or bool(last.symptoms))
    return render(request, "control/public/checkin.html", {
        "form": form, "day": day, "done": request.GET.get("done") == "1", "alarming": alarming,
    }, status=status)
