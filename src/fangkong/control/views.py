
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.control import actions, release, selectors, services
from fangkong.control.forms import CheckInForm, OrderFilterForm, apply_errors
from fangkong.control.models import ControlOrder, OrderMeasure
from fangkong.core.clock import today
from fangkong.core.errors import AlreadyDone, InvalidInput
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
        "today": today(), "correctable": _correctable(request.user, order),
    })


def _correctable(user, order) -> set[int]:
    """Tests whose result this user recorded recently enough to correct (services.result_correction_window)."""
    since = timezone.now() - services.result_correction_window()
    return set(order.tests.filter(recorded_by_id=user.pk, result_at__gte=since,
                                  status__in=services.RESULTS).values_list("pk", flat=True))


@login_required
@require_POST
def test_result(request, pk: int):
    """Record (or, for whoever recorded it and for a short while, correct) a result. A positive turns a code red
    and raises an alarm: it is asked for twice, the second time on a page that says so."""
    test = selectors.scheduled_test_get(user=request.user, pk=pk)
    result = request.POST.get("result")
    if result not in ("negative", "positive"):
        messages.error(request, _("Choose negative or positive."))
    elif result == "positive" and request.POST.get("confirm") != "yes":
        return render(request, "control/result_confirm.html", {"test": test, "person": test.order.person})
    else:
        try:
            services.test_result_record(by=request.user, test=test, positive=result == "positive")
        except (InvalidInput, AlreadyDone) as exc:
            messages.error(request, "; ".join(reason for _field, reason in exc.field_errors))
        else:
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



ORDER_PAGE = 50
ORDER_EXPORT_HEADER = ["姓名", "证件号码", "区域编码", "类别", "状态", "措施", "开始", "结束", "健康码", "抵达日期", "来源地",
                       "责任人"]


@login_required
def order_list(request):
    """Everyone under an order in the user's area, filtered (measure, status, category, colour, area, overdue
    tests, arrival date), paged on the database, and exported whole as CSV or .xlsx (masked, formula-safe)."""
    form = OrderFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    data = form.cleaned_data if request.GET and valid else {}
    f = selectors.OrderFilter(
        status=data.get("status") or "open", measure=data.get("measure", ""), category=data.get("category", ""),
        colour=data.get("colour", ""), area=data.get("area", ""), overdue=bool(data.get("overdue")),
        arrived_from=data.get("arrived_from"), arrived_to=data.get("arrived_to"))
    on = today()
    qs = selectors.orders_filtered(user=request.user, f=f, on=on) if valid else ControlOrder.objects.none()
    fmt = request.GET.get("export", "")
    if fmt in ("csv", "xlsx") and valid:
        return _orders_export(request, qs, f, fmt)
    page = Paginator(qs, ORDER_PAGE).get_page(request.GET.get("page"))
    return render(request, "control/order_list.html", {"form": form, "page": page}, status=200 if valid else 400)


def _orders_export(request, qs, f, fmt: str):
    from fangkong.core import exports
    from fangkong.core.access import log_access
    from fangkong.policy.labels import MEASURE_LABELS, category_label

    count = qs.count()
    log_access(user=request.user, action="export", object_type="controlorder", fields=f"masked list of {count} orders",
               reason=f"order list {fmt} filter {f.describe() or 'none'}", request=request)
    # Labels in the request's language now: the rows are streamed after the view has returned.
    statuses = {k: str(v) for k, v in ControlOrder.Status.choices}
    measure_names = {k: str(v) for k, v in MEASURE_LABELS.items()}
    measures: dict[int, list[str]] = {}

    def rows():
        for chunk_start in range(0, count, 2000):
            chunk = list(qs.values_list(
                "pk", "person__name", "person__id_number_masked", "area_code", "category", "status", "starts_on",
                "ends_on", "person__health_code__colour", "arrival__arrived_on", "arrival__origin_name",
                "owner__name")[chunk_start:chunk_start + 2000])
            measures.clear()
            for order_id, measure in OrderMeasure.objects.filter(order_id__in=[r[0] for r in chunk]).order_by(
                    "order_id", "seq").values_list("order_id", "measure"):
                measures.setdefault(order_id, []).append(measure_names.get(measure, measure))
            for (pk, name, number, area_code, category, status, starts, ends, colour, arrived, origin, owner) in chunk:
                yield [name, number, area_code, category_label(category), statuses.get(status, status),
                       "、".join(measures.get(pk, [])), starts, ends, colour or "", arrived or "", origin or "", owner or ""]

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return exports.csv_response(f"orders-{stamp}.csv", ORDER_EXPORT_HEADER, rows())
    return exports.xlsx_response(f"orders-{stamp}.xlsx", ORDER_EXPORT_HEADER, rows(), title="orders")
