from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.arrivals.models import Transport
from fangkong.arrivals.services import arrival_categories
from fangkong.control.forms import CATEGORY_LABELS
from fangkong.core.dates import DayField
from fangkong.core.errors import apply_errors  # noqa: F401 - the pages of control import it from here until they move
from fangkong.core.text import TextField


def _category_choices() -> list[tuple[str, str]]:
    """The categories of the profile in force, read when a form is made (a profile switch changes them)."""
    return [(c, CATEGORY_LABELS.get(c, c)) for c in arrival_categories()]


class ArrivalForm(forms.Form):
    person_id = forms.IntegerField(widget=forms.HiddenInput)
    category = forms.ChoiceField(label=_("Category"), choices=lambda: _category_choices())
    origin_name = TextField(label=_("Coming from"), max_length=200)
    origin_code = TextField(label=_("Origin division code"), max_length=12, required=False)
    arrived_on = DayField(label=_("Arrival date"), widget=forms.DateInput(attrs={"type": "date"}))
    transport = forms.ChoiceField(label=_("Transport"), choices=Transport.choices)
    transport_number = TextField(label=_("Flight / train / plate"), max_length=40, required=False)
    route = TextField(label=_("Route"), max_length=300, required=False)
    negative_test_date = DayField(label=_("Last negative test"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    released_from_centralized_isolation = forms.BooleanField(label=_("Released from centralized isolation"), required=False)


# ---------------------------------------------------------------------------
# Capability 7: the checkpoint entry screen (one passage, one row per person)
# ---------------------------------------------------------------------------

ID_TYPE_CHOICES = [
    ("resident_id", _("Resident ID card")), ("passport", _("Passport")), ("hk_macao_permit", _("Hong Kong / Macao permit")),
    ("taiwan_permit", _("Taiwan permit")), ("foreign_permanent", _("Foreign permanent resident ID")),
    ("birth_certificate", _("Birth certificate")), ("none", _("No document")),
]
COLOUR_CHOICES = [("green", _("Green")), ("yellow", _("Yellow")), ("red", _("Red"))]
OUTCOME_CHOICES = [("let_through", _("Let through")), ("turned_back", _("Turned back")), ("medical", _("To medical staff"))]


class PassageForm(forms.Form):
    """The vehicle (or group on foot): typed once, its origin and destination the default of every row."""

    plate = TextField(label=_("Plate"), max_length=20, required=False, widget=forms.TextInput(attrs={
        "autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false", "enterkeyhint": "next"}))
    trip_number = TextField(label=_("Flight / train"), max_length=20, required=False, widget=forms.TextInput(attrs={
        "autocapitalize": "characters", "autocomplete": "off", "enterkeyhint": "next"}))
    origin = TextField(label=_("Coming from"), max_length=200, required=False, widget=forms.TextInput(attrs={
        "autocomplete": "off", "enterkeyhint": "next", "placeholder": _("place or division code")}))
    destination = TextField(label=_("Going to (in the city)"), max_length=32, required=False, widget=forms.TextInput(attrs={
        "autocomplete": "off", "enterkeyhint": "next", "list": "places", "inputmode": "search",
        "placeholder": _("village or township; empty: not staying")}))


class PassengerForm(forms.Form):
    """One person of the passage. Values are checked by the service, so the API and the screen agree."""

    name = TextField(label=_("Name"), max_length=100, required=False, widget=forms.TextInput(attrs={
        "autocomplete": "off", "enterkeyhint": "next"}))
    id_number = TextField(label=_("ID number"), max_length=40, required=False, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "enterkeyhint": "next"}))
    temperature = TextField(label=_("Temperature (°C)"), max_length=6, required=False, widget=forms.TextInput(attrs={
        "inputmode": "decimal", "autocomplete": "off", "enterkeyhint": "next", "placeholder": "36.5"}))
    phone = TextField(label=_("Phone"), max_length=20, required=False, widget=forms.TextInput(attrs={
        "inputmode": "tel", "autocomplete": "off", "enterkeyhint": "next"}))
    colour = forms.ChoiceField(label=_("Health code"), choices=COLOUR_CHOICES, initial="green", required=False,
                               widget=forms.RadioSelect)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOME_CHOICES, initial="let_through", required=False,
                                widget=forms.RadioSelect)
    id_type = forms.ChoiceField(label=_("Document"), choices=ID_TYPE_CHOICES, initial="resident_id", required=False)
    category = forms.ChoiceField(label=_("Category"), choices=lambda: _category_choices(),
                                 initial="returnee", required=False)
    origin = TextField(label=_("Coming from (if different)"), max_length=200, required=False)
    destination = TextField(label=_("Going to (if different)"), max_length=32, required=False,
                                  widget=forms.TextInput(attrs={"list": "places", "autocomplete": "off"}))
    health_code_token = TextField(label=_("Code token (scanner)"), max_length=64, required=False,
                                        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    negative_test_date = DayField(label=_("Last negative test"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))

    MORE = ("id_type", "category", "origin", "destination", "health_code_token", "negative_test_date")

    def more_fields(self):
        return [self[name] for name in self.MORE]

    def more_has_errors(self) -> bool:
        return any(self[name].errors for name in self.MORE)


PassengerFormSet = forms.formset_factory(PassengerForm, extra=0, min_num=1, max_num=80, absolute_max=80)
