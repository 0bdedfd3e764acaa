from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from . import selectors


@login_required
def tree(request):
    return redirect("areas:detail", code=request.user.area_code) if request.user.area_code else render(
        request, "areas/tree.html", {"children": selectors.area_roots(user=request.user)}
    )


@login_required
def detail(request, code: str):
    area = selectors.area_get(user=request.user, code=code)
    children = selectors.area_children(user=request.user, area=area)
    return render(request, "areas/detail.html", {"area": area, "children": children})
