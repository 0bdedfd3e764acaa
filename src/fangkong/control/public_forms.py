"""Forms of the public pages: the self-declaration and the personal check-in.

Every message is a translatable English msgid, so a person on the page reads each error
next to the field it names, in Simplified Chinese by default.
"""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.control.forms import SYMPTOM_LABELS
from fangkong.control.services import KNOWN_SYMPTOMS
from fangkong.core.ids import check_resident_id

HONEYPOT = "website"
STAMP = "rendered"

DOCUMENT_CHOICES = [
    ("resident_id", gettext_lazy("Resident ID card")),
    ("passport", gettext_lazy("Passport")),
    ("hk_macao_permit", gettext_lazy("Hong Kong / Macao permit")),
    ("taiwan_permit", gettext_lazy("Taiwan permit")),
    ("foreign_permanent", gettext_lazy("Foreign permanent resident ID")),
    ("birth_certificate", gettext_lazy("Birth certificate")),
]
def resident_id_problem(number: str) -> str | None:
    """A resident ID's fault in plain, translatable words; None when the number is valid."""
    checked = check_resident_id(number)
    if checked.valid:
        return None
    reason = checked.reason
    if reason == "empty":
        return _("Enter the ID number.")
    if reason.startswith("must have 18"):
        return _("A resident ID number has 18 characters (or 15 digits); you entered %(n)d.") % {"n": len(checked.normalized)}
    if reason.startswith("must be 17 digits"):
        return _("A resident ID number is 17 digits followed by a digit or the letter X.")
    if reason.startswith("birth date"):
        return _("The birth date inside the ID number is not a real date.")
    if reason.startswith("region code"):
        return _("The region code at the start of the ID number is not valid.")
    return _("The last character of the ID number does not match the others; please check the number.")


class ProtectedForm(forms.Form):
    """A honeypot field (people never see it, bots fill it) and the signed render time."""

    website = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"), max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    rendered = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)


class SelfCheckinForm(ProtectedForm):
    temperature = forms.DecimalField(
        label=gettext_lazy("Temperature (°C)"), max_digits=3, decimal_places=1,
        validators=[MinValueValidator(34, gettext_lazy("A body temperature is at least 34.0 °C; please measure again.")),
                    MaxValueValidator(43, gettext_lazy("A body temperature is at most 43.0 °C; please measure again."))],
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "min": "34", "max": "43"}))
    symptoms = forms.MultipleChoiceField(label=gettext_lazy("Symptoms today"), required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         choices=[(s, SYMPTOM_LABELS[s]) for s in KNOWN_SYMPTOMS])
