"""Forms of gathering applications and decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.dates import MomentField
from fangkong.core.text import TextField
from fangkong.gatherings.models import GATHERING_MIN_ATTENDANCE, GatheringKind, GatheringMeasure

AREA_CHOICES_MAX = 400  # beyond this many nodes the area is typed as a code


class GatheringForm(forms.Form):
    area_code = TextField(label=_("Where (area)"), max_length=18,
                                help_text=_("The county, township, village or grid where the event takes place."))
    title = TextField(label=_("Event"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=GatheringKind.choices)
    organiser = TextField(label=_("Organiser"), max_length=200)
    contact_name = TextField(label=_("Contact person"), max_length=50)
    contact_phone = TextField(label=_("Contact phone"), max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
    venue = TextField(label=_("Venue"), max_length=200)
    starts_at = MomentField(label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = MomentField(label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    expected_attendance = forms.IntegerField(
        label=_("Expected attendance"), min_value=0, max_value=10_000_000,
        help_text=_("Only events of more than 50 people need an application."),
        widget=forms.NumberInput(attrs={"min": GATHERING_MIN_ATTENDANCE, "inputmode": "numeric"}))
    plan_text = TextField(label=_("Prevention plan"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
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
    reason = TextField(label=_("Reason"), max_length=500, required=False)
