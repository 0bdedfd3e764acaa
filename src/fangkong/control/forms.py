from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Transport
from .services import ARRIVAL_CATEGORIES, KNOWN_SYMPTOMS

CATEGORY_LABELS = {"inbound": _("Inbound from abroad"), "risk_area_arrival": _("From a risk area"), "returnee": _("Returnee")}
SYMPTOM_LABELS = {"fever": _("Fever"), "cough": _("Cough"), "sore_throat": _("Sore throat"), "fatigue": _("Fatigue"),
                  "loss_of_smell": _("Loss of smell or taste"), "diarrhoea": _("Diarrhoea"), "short_breath": _("Short of breath")}


class ArrivalForm(forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"), choices=[(c, CATEGORY_LABELS[c]) for c in ARRIVAL_CATEGORIES])
    origin_name = forms.CharField(label=_("Coming from"), max_length=200)
    origin_code = forms.CharField(label=_("Origin division code"), max_length=12, required=False)
    arrived_on = forms.DateField(label=_("Arrival date"), widget=forms.DateInput(attrs={"type": "date"}))
    transport = forms.ChoiceField(label=_("Transport"), choices=Transport.choices)
    transport_number = forms.CharField(label=_("Flight / train / plate"), max_length=40, required=False)
    route = forms.CharField(label=_("Route"), max_length=300, required=False)
    negative_test_date = forms.DateField(label=_("Last negative test"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    released_from_centralized_isolation = forms.BooleanField(label=_("Released from centralized isolation"), required=False)


class CheckInForm(forms.Form):
    temperature = forms.DecimalField(label=_("Temperature (°C)"), max_digits=3, decimal_places=1,
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    symptoms = forms.MultipleChoiceField(label=_("Symptoms"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=[(s, SYMPTOM_LABELS[s]) for s in KNOWN_SYMPTOMS])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


def apply_errors(form: forms.Form, errors: dict[str, str]) -> None:
    """Put a service's field errors on the form, so the user sees each next to its field."""
    for field, reason in errors.items():
        form.add_error(field if field in form.fields else None, reason)
