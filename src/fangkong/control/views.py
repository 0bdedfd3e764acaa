
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.control import actions, release, selectors, services
from fangkong.control.forms import CheckInForm, apply_errors
from fangkong.core.clock import today
from fangkong.core.errors import InvalidInput
from fangkong.core.permissions import require
from fangkong.policy.profile import ProfileError, shipped_profiles


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
        except InvalidInput as exc:
            apply_errors(form, exc.errors)
        else:
            messages.success(request, _("Check-in recorded."))
            return redirect("control:order", pk=order.pk)
    return render(request, "control/order.html", {
        "order": order, "form": form, "measures": order.measures.all(), "tests": order.tests.all(),
        "checkins": order.checkins.all()[:30], "escalations": order.escalations.all(),
        "release_conditions": [(c, release.label(c)) for c in release.requirements_of(order)] if order.is_open else [],
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
        services.order_release(by=request.user, order=order, confirmed=request.POST.getlist("confirmed"))
    except InvalidInput as exc:
        for reason in exc.errors.values():
            messages.error(request, reason)
    else:
        messages.success(request, _("Released."))
    return redirect("control:order", pk=order.pk)


@login_required
@require_POST
def order_hospital(request, pk: int):
    """Transfer to hospital (the worker), take over or discharge (the hospital): one form, by `step`."""
    order = selectors.order_get(user=request.user, pk=pk)
    step = request.POST.get("step")
    calls = {
        "transfer": lambda: services.order_transfer_to_hospital(by=request.user, order=order,
                                                                reason=request.POST.get("reason", "")),
        "admit": lambda: services.order_hospital_admit(by=request.user, order=order),
        "discharge": lambda: services.order_hospital_discharge(by=request.user, order=order,
                                                               note=request.POST.get("note", "")),
    }
    if step not in calls:
        messages.error(request, _("Unknown action."))
    else:
        try:
            calls[step]()
        except InvalidInput as exc:
            for reason in exc.errors.values():
                messages.error(request, reason)
        else:
            messages.success(request, _("Saved."))
    return redirect("control:order", pk=order.pk)


@login_required
def escalations(request):
    return render(request, "control/escalations.html", {"escalations": selectors.escalations_open(user=request.user)[:300]})


@login_required
@require_POST
def escalation_resolve(request, pk: int):
    services.escalation_resolve(by=request.user, escalation=selectors.escalation_get(user=request.user, pk=pk))
    messages.success(request, _("Marked as handled."))
    target = request.POST.get("next") or ""
    # Only a path of this site: `next` must not send a worker to another host (an open redirect).
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "control:escalations"
    return redirect(target)


@login_required
def profile_switch(request):
    """Dry run first: every open order that would change; then apply."""
    require(request.user, actions.PROFILE_SWITCH)  # 403 for anyone not bound at city level as city command
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

