"""Staff side of the public pages: QR posters per community, households to confirm, personal check-in links."""

from __future__ import annotations

import io

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.arrivals import actions, selectors, services
from fangkong.control.public_staff_views import qr_svg
from fangkong.control.public_tokens import public_url
from fangkong.core.clock import now
from fangkong.core.errors import InvalidInput, NotAllowed
from fangkong.core.permissions import may
from fangkong.people.selectors import household_get


def _declare_url(request, community) -> str:
    return public_url(request, reverse("public:declare", args=[selectors.declaration_token(community)]))


@login_required
def posters(request):
    """Communities whose declaration poster the user may print."""
    query = request.GET.get("q", "").strip()
    qs = selectors.poster_communities(user=request.user).order_by("code")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(parent__name__icontains=query) | Q(code__startswith=query))
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "arrivals/posters.html", {"page": page, "query": query})


@login_required
def poster(request, code: str):
    community = selectors.poster_community_get(user=request.user, code=code)
    url = _declare_url(request, community)
    return render(request, "arrivals/poster.html", {
        "community": community, "township": community.parent, "url": url,
        "qr": qr_svg(url, title=community.name), "generation": selectors.poster_generation(community.code),
        "may_rotate": may(request.user, actions.POSTER_ROTATE, community.code),
        "printed_on": now(),
    })


@login_required
def poster_svg(request, code: str):
    """The QR code alone, as an SVG file for a print shop."""
    community = selectors.poster_community_get(user=request.user, code=code)
    buffer = io.BytesIO()
    segno.make_qr(_declare_url(request, community), error="m").save(buffer, kind="svg", scale=10, border=4)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="declare-{community.code}.svg"'
    return response


@login_required
@require_POST
def poster_rotate(request, code: str):
    community = selectors.poster_community_get(user=request.user, code=code)
    try:
        services.poster_rotate(by=request.user, community=community)
    except NotAllowed:
        messages.error(request, _("Only township, district and city users may replace a community's QR code."))
    else:
        messages.success(request, _("New QR code issued: posters printed before no longer work. Print and put up the new one."))
    return redirect("arrivals:declare_poster", code=community.code)


@login_required
def declaration_confirm(request, pk: int):
    """A self-declaration whose address did not resolve: the worker names the household."""
    declaration = selectors.declaration_get(user=request.user, pk=pk)
    if request.method == "POST" and request.POST.get("action") == "identity":
        try:
            services.declaration_identity_confirm(by=request.user, declaration=declaration)
        except InvalidInput as exc:
            for reason in exc.errors.values():
                messages.error(request, reason)
        else:
            messages.success(request, _("Confirmed: the arrival's control order is in force."))
        return redirect("arrivals:declaration_confirm", pk=declaration.pk)
    if request.method == "POST" and request.POST.get("action") == "origin":
        try:
            services.declaration_origin_confirm(by=request.user, declaration=declaration,
                                                origin_code=request.POST.get("origin_code", ""))
        except InvalidInput as exc:
            for reason in exc.errors.values():
                messages.error(request, reason)
        else:
            messages.success(request, _("Origin confirmed."))
        return redirect("arrivals:declaration_confirm", pk=declaration.pk)
    if request.method == "POST" and declaration.household_pending:
        household = household_get(user=request.user, pk=int(request.POST.get("household") or 0))
        try:
            services.declaration_household_confirm(by=request.user, declaration=declaration, household=household)
        except (InvalidInput, NotAllowed) as exc:
            for reason in getattr(exc, "errors", {"": str(exc)}).values():
                messages.error(request, reason)
        else:
            messages.success(request, _("Household confirmed; the arrival is routed to its responsible person."))
            order = declaration.arrival.orders.first()
            return redirect("control:order", pk=order.pk) if order else redirect("control:today")
    query = request.GET.get("q", declaration.address_text)
    return render(request, "arrivals/declaration_confirm.html", {
        "declaration": declaration, "arrival": declaration.arrival, "query": query,
        "households": selectors.declaration_households(user=request.user, declaration=declaration, query=query)
        if declaration.household_pending else [],
    })
