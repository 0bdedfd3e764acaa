"""Transfer requests (迁入申请) on the web: ask for a person registered in another area to move into yours;
decide the requests that concern persons of your area. The document number is sent by POST only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.access import TooManyRequests
from fangkong.core.ids import check_resident_id
from fangkong.core.permissions import may
from fangkong.core.text import TextField

from . import actions, selectors, services
from .models import Person
from .validation import PersonInvalid


class TransferForm(forms.Form):
    id_type = forms.ChoiceField(label=gettext_lazy("document type"), choices=Person.IdType.choices)
    id_number = TextField(label=gettext_lazy("document number"), max_length=40,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    household_code = TextField(label=gettext_lazy("household code to move into"), max_length=32)
    reason = TextField(label=gettext_lazy("reason"), max_length=200, required=False)

    def clean_id_number(self) -> str:
        number = self.cleaned_data["id_number"].strip()
        if self.cleaned_data.get("id_type") == Person.IdType.RESIDENT_ID:
            checked = check_resident_id(number)
            if not checked.valid:
                raise forms.ValidationError(checked.reason_in(_))
            return checked.normalized
        return number.upper().replace(" ", "")


@login_required
def transfers(request):
    form = TransferForm(request.POST or None) if may(request.user, actions.TRANSFER_REQUEST) else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Your role may not request transfers."))
        if form.is_valid():
            household = selectors.household_list(user=request.user).filter(
                code=form.cleaned_data["household_code"].strip()).first()
            if household is None:
                form.add_error("household_code", _("No such household in your area."))
            else:
                try:
                    services.transfer_request(by=request.user, id_type=form.cleaned_data["id_type"],
                                              id_number=form.cleaned_data["id_number"], to_area=household.area,
                                              to_household=household, reason=form.cleaned_data["reason"],
                                              request=request)
                except PersonInvalid as exc:
                    for field, reason in exc.errors.items():
                        form.add_error(field if field in form.fields else None, reason)
                except TooManyRequests:
                    form.add_error(None, _("Too many documents of other areas asked for; wait an hour."))
                    status = 429
                else:
                    messages.success(request, _("Request sent to the area where the person is registered."))
                    return redirect("people:transfers")
        status = status if status != 200 else 400
        # The number is not written back into the page (it would sit in the HTML, the browser's cache and history).
        form.data = form.data.copy()
        form.data["id_number"] = ""
    context = {
        "form": form,
        "incoming": selectors.transfers(user=request.user, direction="incoming", status="pending")[:100],
        "outgoing": selectors.transfers(user=request.user, direction="outgoing")[:100],
    }
    return render(request, "people/transfers.html", context, status=status)


@login_required
@require_POST
def transfer_decide(request, pk: int):
    row = selectors.transfer_get(user=request.user, pk=pk)
    try:
        services.transfer_decide(by=request.user, transfer=row, accept=request.POST.get("decision") == "accept",
                                 note=request.POST.get("note", ""))
    except PersonInvalid as exc:
        messages.error(request, "; ".join(str(v) for v in exc.errors.values()))
    else:
        messages.success(request, _("Decided."))
    return redirect("people:transfers")



