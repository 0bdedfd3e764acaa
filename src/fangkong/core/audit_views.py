"""The audit and access logs, searched by the city command and by auditors (core.audit.read), cut to their area.

Audit events carry the area of what they changed; access-log entries carry none, so only a user bound at city
level (who sees the whole city anyway) searches them. Reading the page is itself written to the access log.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import exports
from .access import log_access
from .dates import DayField
from .models import AccessLog, AuditEvent
from .permissions import at_city_level, require
from .scoping import scope

PAGE_SIZE = 50


class AuditSearch(forms.Form):
    log = forms.ChoiceField(label=_("log"), choices=[("audit", _("Audit events")), ("access", _("Access log"))],
                            required=False)
    actor = forms.CharField(label=_("who"), max_length=150, required=False)
    action = forms.CharField(label=_("action"), max_length=60, required=False)
    object_type = forms.CharField(label=_("object type"), max_length=40, required=False)
    object_id = forms.CharField(label=_("object id"), max_length=64, required=False)
    since = DayField(label=_("from"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    until = DayField(label=_("to"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        for key in ("since", "until"):
            day = data.get(key)
            if day is not None and not dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31):
                self.add_error(key, _("a date between 2000 and 2100"))
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_default_timezone())


def searched(user, data: dict):
    """The rows of the chosen log that the user may see, filtered."""
    if data.get("log") == "access":
        qs = AccessLog.objects.all() if at_city_level(user) else AccessLog.objects.none()
        actor_field = "username"
    else:
        qs = scope(AuditEvent.objects.all(), user)
        actor_field = "actor_name"
    if data.get("actor"):
        qs = qs.filter(**{actor_field: data["actor"].strip()})
    for field in ("action", "object_type", "object_id"):
        if data.get(field):
            qs = qs.filter(**{field: data[field].strip()})
    if data.get("since"):
        qs = qs.filter(at__gte=_day_start(data["since"]))
    if data.get("until"):
        qs = qs.filter(at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
    return qs.order_by("-at", "-id")


AUDIT_HEADER = ["时间", "操作人", "操作", "对象类型", "对象编号", "区域编码", "变更", "原因", "数量"]
ACCESS_HEADER = ["时间", "操作人", "操作", "对象类型", "对象编号", "字段", "原因", "IP"]


def _rows(qs, log: str):
    for row in qs.iterator(chunk_size=2000):
        at = timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S")
        if log == "access":
            yield [at, row.username, row.action, row.object_type, row.object_id, row.fields, row.reason, row.ip or ""]
        else:
            yield [at, row.actor_name, row.action, row.object_type, row.object_id, row.area_code, str(row.changes),
                   row.reason, row.count if row.count is not None else ""]


@login_required
def audit_log(request):
    require(request.user, "core.audit.read")
    form = AuditSearch(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = searched(request.user, data)
    log = data.get("log") or "audit"
    filters = {k: str(v) for k, v in data.items() if v}
    if request.GET.get("export") == "csv" and form.is_bound and form.is_valid():
        log_access(user=request.user, action="export", object_type=f"{log}_log", fields=f"{qs.count()} rows",
                   reason=f"filter {filters}"[:200], request=request)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        header = ACCESS_HEADER if log == "access" else AUDIT_HEADER
        return exports.csv_response(f"{log}-log-{stamp}.csv", header, _rows(qs, log))
    log_access(user=request.user, action="search", object_type=f"{log}_log", reason=f"filter {filters}"[:200],
               request=request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"form": form, "page": page, "log": log,
                                                   "access_allowed": at_city_level(request.user)},
                  status=200 if not form.is_bound or form.is_valid() else 400)
