from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.control.services import KNOWN_SYMPTOMS
from fangkong.core.errors import apply_errors  # noqa: F401 - the pages of control import it from here until they move
from fangkong.core.text import TextField

CATEGORY_LABELS = {"inbound": _("Inbound from abroad"), "risk_area_arrival": _("From a risk area"), "returnee": _("Returnee")}
SYMPTOM_LABELS = {"fever": _("Fever"), "cough": _("Cough"), "sore_throat": _("Sore throat"), "fatigue": _("Fatigue"),
                  "loss_of_smell": _("Loss of smell or taste"), "diarrhoea": _("Diarrhoea"), "short_breath": _("Short of breath")}



class CheckInForm(forms.Form):
    temperature = forms.DecimalField(label=_("Temperature (°C)"), max_digits=3, decimal_places=1,
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    symptoms = forms.MultipleChoiceField(label=_("Symptoms"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=[(s, SYMPTOM_LABELS[s]) for s in KNOWN_SYMPTOMS])
    note = TextField(label=_("Note"), max_length=200, required=False)


