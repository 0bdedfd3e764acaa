"""Household and person pages: lists filtered by node, detail pages, and the logged reveal of full values."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from fangkong.areas import selectors as area_selectors
from fangkong.core.text import TextField, record_number

from . import selectors
from .sections import sections_for

PAGE_SIZE = 50


class RevealForm(forms.Form):
    reason = TextField(
        label=_("Reason for viewing in full"), max_length=200, min_length=2,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < 2:
            raise forms.ValidationError(_("Say why you need the full number."))
        return reason


def _node(request):
    """The node a list is filtered by (?area=CODE), fetched in scope: a node outside the subtree is a 404."""
    code = request.GET.get("area") or request.user.area_code
    return area_selectors.area_get(user=request.user, code=code) if code else None


@login_required
def person_list(request):
    node = _node(request)
    qs = selectors.person_list(user=request.user, area_code=node.code if node else None)
    household = record_number(request.GET.get("household"))  # anything else is ignored, as an empty one
    if household:
        qs = qs.filter(household_id=household)
    page = Paginator(qs.select_related("area").order_by("area_code", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/list.html", {"page": page, "node": node})


@login_required
def household_list(request):
    node = _node(request)
    qs = selectors.household_list(user=request.user)
    if node is not None:
        from fangkong.core.scoping import subtree_q

        qs = qs.filter(subtree_q(node.code))
    qs = qs.select_related("area", "responsible").order_by("area_code", "code")  # walks the path index
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/households.html", {"page": page, "node": node})


@login_required
def person_detail(request, pk: int):
    person = selectors.person_get(user=request.user, pk=pk)
    revealed = None
    form = RevealForm(request.POST or None) if request.user.sees_unmasked else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            revealed = selectors.reveal(
                user=request.user, person=person, reason=form.cleaned_data["reason"], request=request
            )
        else:
            status = 400
    return render(request, "people/detail.html", {
        "person": person, "revealed": revealed, "form": form, "sections": sections_for(user=request.user, person=person),
        "worker": area_selectors.responsible_for(person.area_code, person.household),
    }, status=status)


@login_required
def household_detail(request, pk: int):
    household = selectors.household_get(user=request.user, pk=pk)
    members = selectors.person_list(user=request.user).filter(household=household).order_by("id")
    return render(request, "people/household.html", {"household": household, "members": members})
