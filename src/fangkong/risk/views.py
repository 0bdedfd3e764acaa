"""The risk-area list page: everyone reads it; the roles that may edit it import the upper level's list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.core.clock import today
from fangkong.core.dates import parse_day
from fangkong.core.errors import NotAllowed
from fangkong.core.permissions import may
from fangkong.risk import actions, selectors, services
from fangkong.risk.rows import RowError


@login_required
def risk_areas(request):
    """The list in force on a day, the lookup "level of X on D", and the import of a pushed list."""
    if request.method == "POST" and request.FILES.get("file"):
        try:
            result = services.risk_areas_import(user=request.user, text=request.FILES["file"].read().decode("utf-8-sig"))
        except (RowError, NotAllowed, UnicodeDecodeError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Imported: %(c)d new, %(u)d updated, %(n)d unchanged, %(r)d rejected.") % {
                "c": result.created, "u": result.updated, "n": result.unchanged, "r": len(result.rejected)})
            for err in result.rejected[:50]:
                messages.warning(request, _("Row %(row)s, %(column)s: %(reason)s") % err)
        return redirect("risk:risk_areas")
    try:
        on = parse_day(request.GET["on"]) if request.GET.get("on") else today()
    except ValueError:
        on = today()
        messages.error(request, _("Not a date; showing today."))
    query = request.GET.get("q", "").strip()
    answer = None
    if query:
        answer = selectors.risk_level_on(on=on, code=query if query.isdigit() else "", name="" if query.isdigit() else query)
    return render(request, "risk/risk_areas.html", {
        "on": on, "in_force": selectors.risk_areas_in_force(on=on)[:500], "query": query, "answer": answer,
        "may_edit": may(request.user, actions.RISK_AREA_EDIT),
    })
