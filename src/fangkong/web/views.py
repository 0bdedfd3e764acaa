from django.contrib.auth.decorators import login_required
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
    return HttpResponse("ok", content_type="text/plain")
