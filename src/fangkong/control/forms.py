from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.control.services import KNOWN_SYMPTOMS
from fangkong.core.dates import DayField
from fangkong.core.errors import apply_errors  # noqa: F401 - the pages of control import it from here until they move
from fangkong.core.text import TextField
from fangkong.policy.labels import SYMPTOM_LABELS

CATEGORY_LABELS = {"inbound": _("Inbound from abroad"), "risk_area_arrival": _("From a risk area"), "returnee": _("Returnee")}



class CheckInForm(forms.Form):
    temperature = forms.DecimalField(label=_("Temperature (°C)"), max_digits=3, decimal_places=1,
                                     widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}))
    symptoms = forms.MultipleChoiceField(label=_("Symptoms"), required=False, widget=forms.CheckboxSelectMultiple,
                                         choices=[(s, SYMPTOM_LABELS[s]) for s in KNOWN_SYMPTOMS])
    note = TextField(label=_("Note"), max_length=200, required=False)




class OrderFilterForm(forms.Form):
    """The filters of the list of everyone under an order; bad values are form errors, never a 500."""

    STATUS_CHOICES = [("open", _("Open")), ("all", _("All")), ("released", _("Released")), ("hospital", _("In hospital")),
                      ("cancelled", _("Cancelled"))]
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    measure = forms.ChoiceField(label=_("Measure"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    colour = forms.ChoiceField(label=_("Code colour"), required=False, choices=[
        ("", "—"), ("red", _("Red")), ("yellow", _("Yellow")), ("green", _("Green"))])
    area = forms.RegexField(label=_("Area code"), regex=r"^[0-9]{2,18}$", required=False, max_length=18)
    overdue = forms.BooleanField(label=_("Overdue tests only"), required=False)
    arrived_from = DayField(label=_("Arrived from"), required=False,
                            widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    arrived_to = DayField(label=_("Arrived until"), required=False,
                          widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from fangkong.policy.labels import MEASURE_LABELS, category_label
        from fangkong.policy.selectors import active_profile

        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "—"), *((k, v) for k, v in MEASURE_LABELS.items() if k != "none")]
        self.fields["category"].choices = [("", "—"), *((c, category_label(c)) for c in active_profile().categories)]
