import logging

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import redirect, render

from fangkong.areas import selectors as area_selectors


@login_required
def home(request):
    """The user's area at a glance: key counts, gaps in the responsibility chain, the sub-areas."""
    if not request.user.area_code:
        return redirect("areas:tree")
    area = area_selectors.area_get(user=request.user, code=request.user.area_code)
    counts = area_selectors.area_counts(user=request.user, area=area)
    gaps = area_selectors.unassigned_counts(user=request.user, area=area)
    context = {
        "area": area,
        "counts": counts,
        "gaps": gaps,
        "nodes_without": gaps["township"] + gaps["village"] + gaps["grid"],
        "children": area_selectors.children_with_counts(user=request.user, area=area),
    }
    return render(request, "web/home.html", context)


def healthz(request):
    """Liveness: the process answers (no database)."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request):
    """Readiness: the process answers and its database does (one round trip), for a load balancer to
    take an instance out of rotation while its database is unreachable."""
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except DatabaseError:
        logging.getLogger(__name__).warning("readiness check: database unavailable", exc_info=True)
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")
