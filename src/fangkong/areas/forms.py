"""Forms of the area pages: they parse input; the services decide and write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.dates import DayField
from fangkong.core.text import TextField

from .models import Responsible, Team
from .rules import tier_fits


class ResponsibleForm(forms.Form):
    tier = forms.ChoiceField(label=_("tier"), choices=Responsible.Tier.choices)
    name = TextField(label=_("name"), max_length=50)
    phone = TextField(label=_("phone"), max_length=20)
    title = TextField(label=_("title"), max_length=100, required=False)

    def __init__(self, *args, level: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if level is not None:
            self.fields["tier"].choices = [(v, label) for v, label in Responsible.Tier.choices if tier_fits(v, level)]


class ReplaceForm(forms.Form):
    name = TextField(label=_("name"), max_length=50)
    phone = TextField(label=_("phone"), max_length=20)
    title = TextField(label=_("title"), max_length=100, required=False)


class TeamForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Team.Kind.choices)
    name = TextField(label=_("name"), max_length=100)
    duties = TextField(label=_("duties"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    central = forms.BooleanField(
        label=_("City or central district (tracing team of at least 60)"), required=False
    )
    min_members = forms.IntegerField(label=_("minimum members"), min_value=0, required=False)
    max_members = forms.IntegerField(label=_("maximum members"), min_value=0, required=False)
    min_police_share = forms.DecimalField(
        label=_("minimum police share"), min_value=0, max_value=1, decimal_places=2, max_digits=3, required=False,
        help_text=_("0.30 for 30 %; left empty, a tracing team gets the standard rule."),
    )


class MemberForm(forms.Form):
    name = TextField(label=_("name"), max_length=50)
    phone = TextField(label=_("phone"), max_length=20)
    unit = TextField(label=_("unit"), max_length=100, required=False)
    position = TextField(label=_("position"), max_length=50, required=False)
    is_police = forms.BooleanField(label=_("police"), required=False)
    is_lead = forms.BooleanField(label=_("team lead"), required=False)


class ShiftForm(forms.Form):
    date = DayField(label=_("date"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    start = forms.TimeField(label=_("from"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(
        label=_("to"), widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("An end at or before the start means the next day."),
    )
    name = TextField(label=_("name"), max_length=50)
    phone = TextField(label=_("phone"), max_length=20)
    post = TextField(label=_("post"), max_length=50, required=False)

    def interval(self) -> tuple[dt.datetime, dt.datetime]:
        tz = timezone.get_current_timezone()
        day = self.cleaned_data["date"]
        starts = dt.datetime.combine(day, self.cleaned_data["start"], tzinfo=tz)
        ends = dt.datetime.combine(day, self.cleaned_data["end"], tzinfo=tz)
        if ends <= starts:
            ends += dt.timedelta(days=1)
        return starts, ends


class UserForm(forms.Form):
    """A user of the manager's area: role, area (a code in the manager's subtree), unit, name, phone."""

    username = forms.RegexField(label=_("username"), regex=r"^[A-Za-z0-9_.@+-]{3,150}$", max_length=150,
                                help_text=_("3 to 150 letters, digits or _ . @ + -"))
    role = forms.ChoiceField(label=_("role"))
    area_code = forms.RegexField(label=_("area code"), regex=r"^[0-9]{2,24}$", max_length=24)
    unit = forms.ModelChoiceField(label=_("unit"), queryset=None, required=False,
                                  help_text=_("a laboratory, hospital or other unit the user works for"))
    full_name = TextField(label=_("full name"), max_length=150, required=False)
    phone = TextField(label=_("phone"), max_length=20, required=False)

    def __init__(self, *args, roles, units, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["unit"].queryset = units
        if editing:
            del self.fields["username"]
