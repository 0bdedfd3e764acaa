from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors


@login_required
def person_list(request):
    qs = selectors.person_list(user=request.user, area_code=request.GET.get("area") or None).order_by("area_code", "id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "people/list.html", {"page": page})


@login_required
def person_detail(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    revealed = None
    if request.method == "POST" and request.POST.get("reveal"):
        revealed = selectors.reveal(user=request.user, person=person, reason=request.POST.get("reason", ""), request=request)
    return render(request, "people/detail.html", {"person": person, "revealed": revealed})


@login_required
def household_detail(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    members = selectors.person_list(user=request.user).filter(household=household)
    return render(request, "people/household.html", {"household": household, "members": members})
