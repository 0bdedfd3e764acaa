import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.clock import today
from fangkong.people.selectors import person_get
from fangkong.policy.profile import ProfileError, shipped_profiles

from . import selectors, services
from .forms import ArrivalForm, CheckInForm, apply_errors
from .risk_rows import RowError


@login_required
def risk_areas(request):
    """The list in force on a day, the lookup "level of X on D", and the import of a pushed list."""
    if request.method == "POST" and request.FILES.get("file"):
        try:
            result = services.risk_areas_import(user=request.user, text=request.FILES["file"].read().decode("utf-8-sig"))
        except (RowError, services.NotAllowed, UnicodeDecodeError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Imported: %(c)d new, %(u)d updated, %(n)d unchanged, %(r)d rejected.") % {
                "c": result.created, "u": result.updated, "n": result.unchanged, "r": len(result.rejected)})
            for err in result.rejected[:50]:
                messages.warning(request, _("Row %(row)s, %(column)s: %(reason)s") % err)
        return redirect("control:risk_areas")
    try:
        on = dt.date.fromisoformat(request.GET["on"]) if request.GET.get("on") else today()
    except ValueError:
        on = today()
        messages.error(request, _("Not a date; showing today."))
    query = request.GET.get("q", "").strip()
    answer = None
    if query:
        answer = selectors.risk_level_on(on=on, code=query if query.isdigit() else "", name="" if query.isdigit() else query)
    return render(request, "control/risk_areas.html", {
        "on": on, "in_force": selectors.risk_areas_in_force(on=on)[:500], "query": query, "answer": answer,
        "may_edit": request.user.is_superuser or request.user.role in services.RISK_AREA_EDITORS,
    })


@login_required
def today_list(request):
    """The grid worker's morning list, made for a phone."""
    return render(request, "control/today.html", {"day": selectors.worker_day(user=request.user, on=today())})


@login_required
def order_detail(request, pk: int):
    order = selectors.order_get(user=request.user, pk=pk)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_record(by=request.user, order=order, **form.cleaned_data)
        except services.InvalidInput as exc:
            apply_errors(form, exc.errors)
        else:
            messages.success(request, _("Check-in recorded."))
            return redirect("control:order", pk=order.pk)
    return render(request, "control/order.html", {
        "order": order, "form": form, "measures": order.measures.all(), "tests": order.tests.all(),
        "checkins": order.checkins.all()[:30], "escalations": order.escalations.all(),
    })


@login_required
@require_POST
def test_result(request, pk: int):
    test = selectors.scheduled_test_get(user=request.user, pk=pk)
    result = request.POST.get("result")
    if result not in ("negative", "positive"):
        messages.error(request, _("Choose negative or positive."))
    else:
        services.test_result_record(by=request.user, test=test, positive=result == "positive")
        messages.success(request, _("Result recorded."))
    return redirect("control:order", pk=test.order_id)


@login_required
@require_POST
def order_release(request, pk: int):
    order = selectors.order_get(user=request.user, pk=pk)
    try:
        services.order_release(by=request.user, order=order)
    except services.InvalidInput as exc:
        for reason in exc.errors.values():
            messages.error(request, reason)
    else:
        messages.success(request, _("Released."))
    return redirect("control:order", pk=order.pk)


@login_required
def arrival_new(request, person_pk: int):
    person = person_get(user=request.user, pk=person_pk)
    form = ArrivalForm(request.POST or None, initial={"person_id": person.pk, "arrived_on": today()})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "person_id"}
        try:
            arrival = services.arrival_register(by=request.user, person=person, household=person.household, source="manual", **data)
        except services.InvalidInput as exc:
            apply_errors(form, exc.errors)
        else:
            order = arrival.orders.first()
            messages.success(request, _("Arrival registered and routed."))
            return redirect("control:order", pk=order.pk) if order else redirect("people:detail", pk=person.pk)
    return render(request, "control/arrival_form.html", {"form": form, "person": person})


@login_required
def escalations(request):
    return render(request, "control/escalations.html", {"escalations": selectors.escalations_open(user=request.user)[:300]})


@login_required
@require_POST
def escalation_resolve(request, pk: int):
    services.escalation_resolve(by=request.user, escalation=selectors.escalation_get(user=request.user, pk=pk))
    messages.success(request, _("Marked as handled."))
    return redirect(request.POST.get("next") or "control:escalations")


@login_required
def profile_switch(request):
    """Dry run first: every open order that would change; then apply."""
    if not (request.user.is_superuser or request.user.role == "city_command"):
        raise Http404
    name = request.POST.get("profile") or request.GET.get("profile") or ""
    changes, applied = None, None
    if name:
        try:
            changes, applied = services.profile_switch(by=request.user, name=name, details=500,
                                                       apply=request.method == "POST" and "apply" in request.POST)
        except ProfileError as exc:
            messages.error(request, str(exc))
    if applied is not None:
        messages.success(request, _("Profile %(name)s in force; %(n)d orders re-derived.") % {"name": name, "n": applied.changed_orders})
        return redirect("control:profile")
    return render(request, "control/profile.html", {
        "profiles": shipped_profiles(), "current": services.active_profile(), "name": name,
        "changes": changes, "change_count": changes.total if changes is not None else 0,
    })
