"""Area pages: the tree, the responsibility chain and its board, teams and duty rosters.

Views parse input, call one selector or service, render. Every object is fetched through a
scoped selector, so a node outside the user's subtree is a 404.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.dates import parse_day
from fangkong.core.permissions import may
from fangkong.core.text import record_number

from . import actions, selectors, services
from .codes import Level
from .forms import MemberForm, ReplaceForm, ResponsibleForm, ShiftForm, TeamForm
from .models import Team


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def tree(request):
    if request.user.area_code:
        return redirect("areas:detail", code=request.user.area_code)
    return render(request, "areas/tree.html", {"children": selectors.area_roots(user=request.user)})


@login_required
def detail(request, code: str):
    area = selectors.area_get(user=request.user, code=code)
    children = selectors.children_with_counts(user=request.user, area=area)
    if _is_htmx(request) and request.GET.get("fragment") == "children":
        return render(request, "areas/_children.html", {"area": area, "children": children, "nested": True})
    context = {
        "area": area,
        "children": children,
        "breadcrumbs": selectors.ancestors_within_scope(user=request.user, area=area),
        "counts": selectors.area_counts(user=request.user, area=area),
        "responsibles": selectors.responsibles_of(user=request.user, area=area),
        "form": ResponsibleForm(level=area.level) if may(request.user, actions.RESPONSIBLE_MANAGE, area.code) else None,
        "is_grid": area.level == Level.GRID,
    }
    return render(request, "areas/detail.html", context)


@login_required
def search(request):
    query = request.GET.get("q", "")[:50]
    results = selectors.area_search(user=request.user, query=query)
    template = "areas/_search_results.html" if _is_htmx(request) else "areas/search.html"
    return render(request, template, {"query": query, "results": results})


@login_required
@require_POST
def responsible_add(request, code: str):
    area = selectors.area_get(user=request.user, code=code)
    form = ResponsibleForm(request.POST, level=area.level)
    if form.is_valid():
        try:
            services.responsible_assign(user=request.user, area=area, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Responsible person added."))
            return redirect("areas:detail", code=area.code)
    return render(
        request, "areas/detail.html",
        {
            "area": area, "children": selectors.children_with_counts(user=request.user, area=area),
            "breadcrumbs": selectors.ancestors_within_scope(user=request.user, area=area),
            "counts": selectors.area_counts(user=request.user, area=area),
            "responsibles": selectors.responsibles_of(user=request.user, area=area),
            "form": form, "is_grid": area.level == Level.GRID,
        },
        status=400,
    )


@login_required
def responsible_replace(request, pk: int):
    row = selectors.responsible_get(user=request.user, pk=pk)
    if not row.active:
        raise Http404
    form = ReplaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.responsible_replace(user=request.user, responsible=row, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Responsible person replaced."))
            return redirect("areas:detail", code=row.area_code)
    history = row.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request, "areas/responsible_replace.html", {"row": row, "form": form, "history": history},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def responsible_deactivate(request, pk: int):
    row = selectors.responsible_get(user=request.user, pk=pk)
    services.responsible_deactivate(user=request.user, responsible=row)
    messages.success(request, _("Responsible person removed from the chain."))
    return redirect("areas:detail", code=row.area_code)


@login_required
def board(request, code: str):
    return render(request, "areas/board.html", selectors.grid_board(user=request.user, code=code))


@login_required
def unassigned(request, code: str | None = None):
    area = selectors.area_get(user=request.user, code=code or request.user.area_code)
    kind = request.GET.get("kind", "household")
    if kind not in selectors.UNASSIGNED_KINDS:
        kind = "household"
    counts = selectors.unassigned_counts(user=request.user, area=area)
    page = Paginator(selectors.unassigned_list(user=request.user, area=area, kind=kind), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "areas/unassigned.html",
        {"area": area, "kind": kind, "counts": counts, "page": page, "kinds": selectors.UNASSIGNED_KINDS},
    )


@login_required
def teams(request, code: str):
    area = selectors.area_get(user=request.user, code=code)
    form = TeamForm(request.POST or None) if may(request.user, actions.TEAM_MANAGE, area.code) else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                team = services.team_create(user=request.user, area=area, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Team created."))
                return redirect("areas:team", pk=team.pk)
    return render(
        request, "areas/teams.html",
        {"area": area, "teams": selectors.team_list(user=request.user, area=area), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def team(request, pk: int):
    team = selectors.team_get(user=request.user, pk=pk)
    member_form = edit_form = None
    status = 200
    if may(request.user, actions.TEAM_MANAGE, team.area_code):
        action = request.POST.get("action") if request.method == "POST" else None
        member_form = MemberForm(request.POST if action == "member" else None)
        edit_form = TeamForm(
            request.POST if action == "edit" else None,
            initial={k: getattr(team, k) for k in ("kind", "name", "duties", "min_members", "max_members", "min_police_share")},
        )
        edit_form.fields.pop("central")
        form = {"member": member_form, "edit": edit_form}.get(action)
        if form is not None:
            if form.is_valid():
                try:
                    if action == "member":
                        services.team_member_add(user=request.user, team=team, **form.cleaned_data)
                    else:
                        services.team_update(user=request.user, team=team, **form.cleaned_data)
                except ValidationError as exc:
                    _form_errors(form, exc)
                else:
                    return redirect("areas:team", pk=team.pk)
            status = 400
    return render(
        request, "areas/team.html",
        {
            "team": team, "members": team.members.all(), "problems": selectors.team_size_check(team=team),
            "member_form": member_form, "edit_form": edit_form, "is_tracing": team.kind == Team.Kind.TRACING,
        },
        status=status,
    )


@login_required
@require_POST
def team_member_remove(request, pk: int):
    member = selectors.team_member_get(user=request.user, pk=pk)
    services.team_member_remove(user=request.user, member=member)
    return redirect("areas:team", pk=member.team_id)


def _week_start(raw: str | None) -> dt.date:
    try:
        day = parse_day(raw) if raw else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


@login_required
def roster(request, code: str):
    area = selectors.area_get(user=request.user, code=code)
    week = _week_start(request.GET.get("week"))
    form = ShiftForm(request.POST or None, initial={"date": week}) if may(request.user, actions.ROSTER_MANAGE, area.code) else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            starts, ends = form.interval()
            data = {k: form.cleaned_data[k] for k in ("name", "phone", "post")}
            try:
                services.duty_shift_add(user=request.user, area=area, starts_at=starts, ends_at=ends, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Shift added."))
                return redirect(f"{request.path}?week={_week_start(starts.astimezone(timezone.get_current_timezone()).date().isoformat())}")
        status = 400
    data = selectors.roster_week(user=request.user, area=area, week_start=week)
    days = [
        {"day": day, "shifts": [s for s in data["shifts"] if _overlaps_day(s, day)], "gaps": data["gaps"][day]}
        for day in data["days"]
    ]
    return render(
        request, "areas/roster.html",
        {
            "area": area, "week": week, "days": days, "form": form,
            "prev_week": week - dt.timedelta(days=7), "next_week": week + dt.timedelta(days=7),
            "uncovered_days": sum(1 for d in days if d["gaps"]),
        },
        status=status,
    )


def _overlaps_day(shift, day: dt.date) -> bool:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return shift.starts_at < start + dt.timedelta(days=1) and shift.ends_at > start


@login_required
@require_POST
def shift_remove(request, pk: int):
    shift = selectors.duty_shift_get(user=request.user, pk=pk)
    services.duty_shift_remove(user=request.user, shift=shift)
    return redirect("areas:roster", code=shift.area_code)


@login_required
def households_assign(request, code: str):
    """Put a node's households under a village cadre or grid worker (包户), from the unassigned ones."""
    area = selectors.area_get(user=request.user, code=code)
    if area.level < Level.VILLAGE or not may(request.user, actions.RESPONSIBLE_MANAGE, area.code):
        raise Http404
    candidates = selectors.household_responsibles_for(user=request.user, area=area)
    error = None
    if request.method == "POST":
        row = candidates.filter(pk=request.POST.get("responsible") or 0).first()
        ids = [i for i in request.POST.getlist("household") if record_number(i)]
        if row is None or not ids:
            error = _("Choose a responsible person and at least one household.")
        else:
            try:
                n = services.households_assign_responsible(user=request.user, responsible=row, household_ids=ids)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("%(n)d households assigned to %(name)s.") % {"n": n, "name": row.name})
                return redirect(request.get_full_path())
    page = Paginator(selectors.unassigned_households(user=request.user, area=area), 50).get_page(request.GET.get("page"))
    return render(
        request, "areas/households_assign.html",
        {"area": area, "candidates": candidates, "page": page, "error": error},
        status=400 if error else 200,
    )
