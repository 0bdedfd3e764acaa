"""Pages of gatherings: list, apply, decide, the calendar and the pending list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.areas import selectors as area_selectors
from fangkong.areas.api import area_by_any_code
from fangkong.areas.codes import LEVEL_OF_LENGTH
from fangkong.areas.models import Area
from fangkong.core.clock import today
from fangkong.core.dates import parse_month
from fangkong.core.errors import InvalidInput, NotAllowed, apply_errors
from fangkong.gatherings import rules, selectors, services
from fangkong.gatherings.files import plan_file_response
from fangkong.gatherings.forms import AREA_CHOICES_MAX, GatheringDecisionForm, GatheringForm
from fangkong.gatherings.models import Gathering

GATHERING_PAGE = 50


@login_required
def gathering_list(request):
    status = request.GET.get("status", "")
    if status not in Gathering.Status.values:
        status = ""
    qs = selectors.gatherings_for(user=request.user, status=status).order_by("-starts_at", "-pk")
    page = Paginator(qs, GATHERING_PAGE).get_page(request.GET.get("page"))
    return render(request, "gatherings/gathering_list.html", {
        "page": page, "status": status, "statuses": Gathering.Status.choices,
        "pending": selectors.gatherings_pending(user=request.user).count(),
    })


def _area_choices(user) -> list:
    nodes = area_selectors.area_list(user=user).filter(level__gte=3, level__lte=6).order_by("code")[: AREA_CHOICES_MAX + 1]
    return list(nodes)


@login_required
def gathering_new(request):
    form = GatheringForm(request.POST or None, request.FILES or None, areas=_area_choices(request.user),
                         initial={"area_code": request.user.area_code})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("area_code").strip()
        try:
            area = area_by_any_code(user=request.user, code=code)
        except Http404:
            form.add_error("area_code", _("No such area in your area of responsibility."))
        else:
            try:
                gathering = services.gathering_submit(by=request.user, area=area, **data)
            except InvalidInput as exc:
                apply_errors(form, exc.errors)
            except NotAllowed as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Application submitted; it is decided by the level above the event's area."))
                return redirect("gatherings:gathering", pk=gathering.pk)
    return render(request, "gatherings/gathering_form.html", {"form": form})


@login_required
def gathering_detail(request, pk: int):
    gathering = selectors.gathering_get(user=request.user, pk=pk)
    phone = None
    if request.method == "POST" and "reveal" in request.POST:
        reason = request.POST.get("reason", "").strip()
        if not selectors.gathering_may_see_phone(user=request.user, gathering=gathering):
            messages.error(request, _("Only the applicant, the deciders and roles that need full values see the phone."))
        elif not reason:
            messages.error(request, _("Say why you need the full phone; the reason is written to the access log."))
        else:
            phone = selectors.gathering_contact_phone(user=request.user, gathering=gathering, reason=reason, request=request)
    tz = timezone.get_default_timezone()
    first, last = rules.event_days(gathering.starts_at, gathering.ends_at, tz)
    at_risk = selectors.gathering_risk_blocks(area_code=gathering.area_code, first_day=first, last_day=last) \
        if gathering.status in (Gathering.Status.SUBMITTED, Gathering.Status.APPROVED) else []
    return render(request, "gatherings/gathering_detail.html", {
        "g": gathering, "phone": phone, "actions": selectors.gathering_actions(user=request.user, gathering=gathering),
        "steps": gathering.steps.all(), "at_risk": at_risk,
        "decider": Area.objects.filter(code=gathering.approver_code).first(),
        "may_see_phone": selectors.gathering_may_see_phone(user=request.user, gathering=gathering),
    })


GATHERING_SERVICES = {
    "approve": services.gathering_approve, "reject": services.gathering_reject,
    "withdraw": services.gathering_withdraw, "cancel": services.gathering_cancel,
}


@login_required
@require_POST
def gathering_decide(request, pk: int):
    gathering = selectors.gathering_get(user=request.user, pk=pk)
    form = GatheringDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve, reject, withdraw or cancel."))
        return redirect("gatherings:gathering", pk=gathering.pk)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    try:
        GATHERING_SERVICES[action](by=request.user, gathering=gathering, reason=reason)
    except InvalidInput as exc:
        for reason_text in exc.errors.values():
            messages.error(request, reason_text)
    except NotAllowed as exc:
        messages.error(request, str(exc))
    else:
        done = {"approve": _("Approved."), "reject": _("Rejected."), "withdraw": _("Withdrawn."), "cancel": _("Cancelled.")}
        messages.success(request, done[action])
    return redirect("gatherings:gathering", pk=gathering.pk)


@login_required
def gathering_plan(request, pk: int):
    gathering = selectors.gathering_get(user=request.user, pk=pk)
    if not gathering.plan_file:
        raise Http404
    return plan_file_response(gathering)


@login_required
def gathering_pending(request):
    page = Paginator(selectors.gatherings_pending(user=request.user), GATHERING_PAGE).get_page(request.GET.get("page"))
    return render(request, "gatherings/gathering_pending.html", {"page": page})


def _calendar_areas(user) -> list:
    """The filter's choices: the user's node and the two levels under it (a city sees counties and townships)."""
    level = LEVEL_OF_LENGTH.get(len(user.area_code), 1) if user.area_code else 1
    return list(area_selectors.area_list(user=user).filter(level__gte=level, level__lte=min(level + 2, 5))
                .order_by("code")[:AREA_CHOICES_MAX])


@login_required
def gathering_calendar(request):
    """Approved events of a month: a month grid on wide screens, a list of days on a phone."""
    try:
        first = parse_month(request.GET["month"]) if request.GET.get("month") else today().replace(day=1)
    except ValueError:
        first = today().replace(day=1)
        messages.error(request, _("Not a month; showing this month."))
    area_code = request.GET.get("area", "").strip()
    node = None
    if area_code:
        try:
            node = area_selectors.area_get(user=request.user, code=area_code)
        except Http404:
            messages.error(request, _("No such area in your area of responsibility; showing all of it."))
            area_code = ""
    month = selectors.gathering_calendar(user=request.user, year=first.year, month=first.month, area_code=area_code)
    return render(request, "gatherings/gathering_calendar.html", {
        "month": month, "node": node, "area_code": area_code,
        "areas": _calendar_areas(request.user),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
    })
