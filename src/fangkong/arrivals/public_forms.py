"""Forms of the public pages: the self-declaration and the personal check-in.

Every message is a translatable English msgid, so a person on the page reads each error
next to the field it names, in Simplified Chinese by default.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.areas.codes import Level
from fangkong.areas.models import Area
from fangkong.arrivals.models import Transport
from fangkong.arrivals.services import DeclarationInput
from fangkong.control.public_forms import DOCUMENT_CHOICES, ProtectedForm, resident_id_problem
from fangkong.core.clock import today
from fangkong.core.dates import DayField
from fangkong.core.ids import normalize_mobile
from fangkong.core.text import TextField

# The origin picker, one select per level, each narrowing the next.
ORIGIN_FIELDS = (
    ("origin_province", Level.PROVINCE),
    ("origin_city", Level.CITY),
    ("origin_county", Level.COUNTY),
    ("origin_township", Level.TOWNSHIP),
)


class DeclarationForm(ProtectedForm):
    name = TextField(label=gettext_lazy("Full name"), max_length=50,
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_type = forms.ChoiceField(label=gettext_lazy("Document type"), choices=DOCUMENT_CHOICES, initial="resident_id")
    id_number = TextField(label=gettext_lazy("Document number"), max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                              "spellcheck": "false"}))
    phone = TextField(label=gettext_lazy("Mobile phone"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    from_abroad = forms.BooleanField(label=gettext_lazy("I am arriving from abroad"), required=False)
    origin_province = forms.ChoiceField(label=gettext_lazy("Province"), required=False)
    origin_city = forms.ChoiceField(label=gettext_lazy("City"), required=False)
    origin_county = forms.ChoiceField(label=gettext_lazy("District / county"), required=False)
    origin_township = forms.ChoiceField(label=gettext_lazy("Township / street"), required=False)
    origin_text = TextField(
        label=gettext_lazy("Or type the place"), max_length=100, required=False,
        help_text=gettext_lazy("For a place not in the lists, or abroad: country and city."))
    route = TextField(label=gettext_lazy("Route (places passed through)"), max_length=300, required=False)
    transport = forms.ChoiceField(label=gettext_lazy("Means of transport"), choices=Transport.choices)
    transport_number = TextField(label=gettext_lazy("Flight / train number or plate"), max_length=40, required=False)
    arrived_on = DayField(label=gettext_lazy("Arrival date"), widget=forms.DateInput(attrs={"type": "date"}))
    negative_test_date = DayField(
        label=gettext_lazy("Date of your last negative nucleic-acid test"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}), help_text=gettext_lazy("Leave empty if you have none."))
    released_from_centralized_isolation = forms.BooleanField(
        label=gettext_lazy("I have completed centralized isolation after entering the country"), required=False)
    building = forms.ChoiceField(label=gettext_lazy("Building / village group"), required=False)
    address = TextField(
        label=gettext_lazy("Where you will stay in this community"), max_length=200,
        help_text=gettext_lazy("Unit and room, or house number."))
    promise = forms.BooleanField(label=gettext_lazy("I promise that the information above is true and complete"))

    def __init__(self, *args, community: Area, buildings: list[tuple[str, str]], places, **kwargs):
        """`places(parent_code | None)` lists the divisions the picker offers under a parent."""
        super().__init__(*args, **kwargs)
        self.community = community
        source = self.data if self.is_bound else self.initial
        parent: str | None = None
        self._names: dict[str, str] = {}
        for name, _level in ORIGIN_FIELDS:
            options = places(parent) if parent is not None or name == "origin_province" else []
            self.fields[name].choices = [("", "—")] + [(a.code, a.name) for a in options]
            self._names.update({a.code: a.name for a in options})
            chosen = (source.get(name) or "").strip()
            parent = chosen if chosen and any(a.code == chosen for a in options) else None
        self.fields["building"].choices = [("", "—")] + buildings
        if not buildings:
            self.fields["building"].widget = forms.HiddenInput()
        self.fields["id_type"].choices = DOCUMENT_CHOICES

    def clean_id_number(self) -> str:
        number = self.cleaned_data["id_number"].strip()
        if self.data.get("id_type", "resident_id") == "resident_id":
            problem = resident_id_problem(number)
            if problem:
                raise forms.ValidationError(problem)
        elif not re.fullmatch(r"[A-Za-z0-9]{1,30}", number.replace(" ", "")):
            raise forms.ValidationError(_("A document number has letters and digits only."))
        return number

    def clean_phone(self) -> str:
        phone = normalize_mobile(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(_("Enter an 11-digit mainland mobile number."))
        return phone

    def clean_arrived_on(self) -> dt.date:
        day = self.cleaned_data["arrived_on"]
        if day > today():
            raise forms.ValidationError(_("The arrival date cannot be in the future."))
        oldest = settings.FANGKONG_PUBLIC["ARRIVAL_MAX_DAYS_AGO"]
        if day < today() - dt.timedelta(days=oldest):
            raise forms.ValidationError(_("The arrival date must be within the last %(days)d days.") % {"days": oldest})
        return day

    def clean_negative_test_date(self) -> dt.date | None:
        day = self.cleaned_data.get("negative_test_date")
        if day and day > today():
            raise forms.ValidationError(_("The test date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        picked = [data.get(name) for name, _level in ORIGIN_FIELDS]
        chain = []
        for code in picked:
            if not code:
                break
            if chain and not code.startswith(chain[-1]):
                break
            chain.append(code)
        text = (data.get("origin_text") or "").strip()
        data["origin_code"] = ""
        if data.get("from_abroad"):
            if not text:
                self.add_error("origin_text", _("Type the country and city you are coming from."))
            data["origin_name"] = text
        elif chain:
            data["origin_code"] = chain[-1]
            data["origin_name"] = ("".join(self._names[c] for c in chain) + (" " + text if text else ""))[:200]
        elif text:
            data["origin_name"] = text
        else:
            self.add_error("origin_province", _("Choose where you are coming from, or type the place below."))
        return data

    def to_input(self) -> DeclarationInput:
        d = self.cleaned_data
        abroad = bool(d.get("from_abroad"))
        return DeclarationInput(
            name=d["name"], id_type=d["id_type"], id_number=d["id_number"], phone=d["phone"],
            category="inbound" if abroad else "returnee", origin_code=d["origin_code"], origin_name=d["origin_name"],
            arrived_on=d["arrived_on"], address=d["address"], building_code=d.get("building") or "", route=d.get("route", ""),
            transport=d["transport"], transport_number=d.get("transport_number", ""),
            negative_test_date=d.get("negative_test_date"),
            released_from_centralized_isolation=abroad and bool(d.get("released_from_centralized_isolation")),
        )
