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


# ---------------------------------------------------------------------------
# Capability 8: gatherings (聚集性活动报批)
# ---------------------------------------------------------------------------

from .models import GATHERING_MIN_ATTENDANCE, GatheringKind, GatheringMeasure  # noqa: E402

AREA_CHOICES_MAX = 400  # beyond this many nodes the area is typed as a code


class GatheringForm(forms.Form):
    area_code = forms.CharField(label=_("Where (area)"), max_length=18,
                                help_text=_("The county, township, village or grid where the event takes place."))
    title = forms.CharField(label=_("Event"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=GatheringKind.choices)
    organiser = forms.CharField(label=_("Organiser"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    venue = forms.CharField(label=_("Venue"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    expected_attendance = forms.IntegerField(
        label=_("Expected attendance"), min_value=0, max_value=10_000_000,
        help_text=_("Only events of more than 50 people need an application."),
        widget=forms.NumberInput(attrs={"min": GATHERING_MIN_ATTENDANCE, "inputmode": "numeric"}))
    plan_text = forms.CharField(label=_("Prevention plan"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
    measures = forms.MultipleChoiceField(label=_("Measures the plan takes"), required=False,
                                         widget=forms.CheckboxSelectMultiple, choices=GatheringMeasure.choices)
    plan_file = forms.FileField(label=_("Plan as a file (optional)"), required=False,
                                help_text=_("PDF, Word (.docx), JPEG or PNG."))

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None and len(areas) <= AREA_CHOICES_MAX:
            self.fields["area_code"].widget = forms.Select(choices=[(a.code, f"{a.name} ({a.code})") for a in areas])


class GatheringDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("approve", "reject", "withdraw", "cancel")])
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
