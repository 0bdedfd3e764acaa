"""Staff side of the public pages: QR posters per community, households to confirm, personal check-in links."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.control import actions, selectors, services
from fangkong.control.public_tokens import checkin_token, public_url
from fangkong.core.errors import InvalidInput, NotAllowed
from fangkong.core.permissions import may


def qr_svg(data: str, *, title: str = "") -> str:
    """An inline SVG QR code that scales with its box (viewBox, no fixed size); error correction M survives a smudge."""
    return segno.make_qr(data, error="m").svg_inline(scale=1, border=4, omitsize=True, title=title or None, svgclass="qr",
                                                     lineclass=None)


@login_required
def checkin_link(request, pk: int):
    """The personal check-in link of an order: show it as a QR code or a link to send; issue a new one; revoke it."""
    order = selectors.order_get(user=request.user, pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "issue":
                services.checkin_link_issue(by=request.user, order=order)
                messages.success(request, _("A new personal link is ready; any earlier link no longer works."))
            elif action == "revoke":
                link = selectors.checkin_link_active(order=order)
                if link is not None:
                    services.checkin_link_revoke(by=request.user, link=link)
                messages.success(request, _("The personal link no longer works."))
        except (InvalidInput, NotAllowed) as exc:
            for reason in getattr(exc, "errors", {"": str(exc)}).values():
                messages.error(request, reason)
        return redirect("control:checkin_link", pk=order.pk)
    link = selectors.checkin_link_active(order=order) if order.is_open else None
    # The link is the person's credential: only roles that may issue one see it.
    may_manage = may(request.user, actions.CHECKIN_LINK_MANAGE, order.area_code)
    shown = link is not None and may_manage
    url = public_url(request, reverse("public:checkin", args=[checkin_token(link.pk, link.nonce)])) if shown else ""
    return render(request, "control/checkin_link.html", {
        "order": order, "link": link, "url": url, "qr": qr_svg(url) if url else "",
        "may_write": may_manage,
    })
