"""The public self-declaration of arrivals (from a community's QR poster), no login. The pages' protection
(rate limits, honeypot, time stamps) is shared with the personal check-in, in control.public_views.

Who may use them is decided by a signed token in the URL, nothing else. Every request is
counted against per-IP limits (and per-community or per-link ones for submissions) kept in
the database; a form carries a honeypot field and a signed render time; a body that is too
large or not a plain form post is refused before it is read; CSRF stays on; nothing is cached.
Logs name the community or link and the kind of refusal, never what a person typed.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.arrivals import selectors, services
from fangkong.arrivals.public_forms import DeclarationForm
from fangkong.control.public_forms import HONEYPOT, STAMP
from fangkong.control.public_views import (
    _fresh_stamp,
    _ip,
    _protection_problem,
    _refused,
    _timing_message,
    _too_many,
    guarded,
    log,
    plan_in_plain_words,
)
from fangkong.core.clock import today
from fangkong.core.errors import InvalidInput, apply_errors
from fangkong.people.validation import PersonInvalid


def _declaration_form(community, *args, **kwargs) -> DeclarationForm:
    return DeclarationForm(*args, community=community, buildings=selectors.community_buildings(community),
                           places=selectors.places_under, **kwargs)


def _initial_from(post) -> dict:
    return {k: post.get(k) for k in DeclarationForm.base_fields if k not in (HONEYPOT, STAMP) and k in post}


@never_cache
@sensitive_post_parameters("name", "id_number", "phone")
@guarded
@require_http_methods(["GET", "POST"])
def declare(request, token: str):
    community = selectors.declaration_community(token)
    if community is None:
        return render(request, "control/public/invalid.html", status=404)
    if limited := _too_many(request, "view-ip", _ip(request), "VIEW_PER_IP"):
        return limited
    page = f"declare:{community.code}"
    status = 200
    if request.method == "GET":
        form = _declaration_form(community, initial={"arrived_on": today()})
    elif limited := _too_many(request, "submit-ip", _ip(request), "SUBMIT_PER_IP"):
        return limited
    elif "refine" in request.POST:  # without JavaScript: show the places under the one chosen
        form = _declaration_form(community, initial=_initial_from(request.POST))
    else:
        form = _declaration_form(community, request.POST)
        problem = _protection_problem(request.POST, page)
        if problem in ("honeypot", "forged"):
            log.warning("declaration refused: %s, community %s", problem, community.code)
            return _refused(request, "form", 400)
        if problem:
            log.info("declaration refused: %s, community %s", problem, community.code)
            form.add_error(None, _timing_message(problem))
            status = 400
        elif form.is_valid():
            if limited := _too_many(request, "declare-community", community.code, "DECLARE_PER_COMMUNITY"):
                return limited
            try:
                outcome = services.declaration_submit(community=community, data=form.to_input())
            except (InvalidInput, PersonInvalid) as exc:
                apply_errors(form, exc.errors)
            else:
                log.info("self-declaration %s to community %s (%s)", outcome.declaration.pk, community.code,
                         "updated" if outcome.updated else "new")
                return render(request, "control/public/declared.html", {
                    "plan": plan_in_plain_words(outcome.plan), "origin_pending": outcome.origin_pending})
    _fresh_stamp(form, page)
    return render(request, "control/public/declare.html", {"form": form, "community": community, "token": token},
                  status=status)


@never_cache
@require_GET
def declare_places(request, token: str):
    """The origin picker re-drawn for the places chosen so far (htmx swaps it in)."""
    community = selectors.declaration_community(token)
    if community is None:
        return render(request, "control/public/invalid.html", status=404)
    if limited := _too_many(request, "view-ip", _ip(request), "VIEW_PER_IP"):
        return limited
    form = _declaration_form(community, initial=_initial_from(request.GET))
    return render(request, "control/public/_origin_picker.html", {"form": form, "token": token})
