import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fangkong.arrivals import actions, selectors, services
from fangkong.arrivals.forms import ArrivalForm
from fangkong.core.clock import today
from fangkong.core.dates import parse_day
from fangkong.core.errors import InvalidInput, apply_errors
from fangkong.core.permissions import may, require
from fangkong.people.selectors import person_get
from fangkong.policy.selectors import active_profile as policy_in_force


@login_required
def arrival_new(request, person_pk: int):
    person = person_get(user=request.user, pk=person_pk)
    form = ArrivalForm(request.POST or None, initial={"person_id": person.pk, "arrived_on": today()})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "person_id"}
        try:
            arrival = services.arrival_register(by=request.user, person=person, household=person.household, source="manual", **data)
        except InvalidInput as exc:
            apply_errors(form, exc.errors)
        else:
            order = arrival.orders.first()
            messages.success(request, _("Arrival registered and routed."))
            return redirect("control:order", pk=order.pk) if order else redirect("people:detail", pk=person.pk)
    return render(request, "arrivals/arrival_form.html", {"form": form, "person": person})


# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口): the list with a day's counts, the fast entry screen, a day's log
# ---------------------------------------------------------------------------

RECENT_PASSAGES = 5


def _day_from(request) -> dt.date:
    try:
        return parse_day(request.GET["on"]) if request.GET.get("on") else today()
    except ValueError:
        messages.error(request, _("Not a date; showing today."))
        return today()


@login_required
def checkpoints(request):
    """Checkpoints under the user's node with the chosen day's counts. Checkpoint staff with one
    checkpoint go straight to its entry screen (the nav link is their way in)."""
    from fangkong.arrivals.models import Checkpoint

    mine = selectors.checkpoints_for(user=request.user)
    # Staff whose only work here is recording passages (they manage no checkpoint) go to their screen.
    if not request.GET and may(request.user, actions.PASSAGE_RECORD) and not may(request.user, actions.CHECKPOINT_MANAGE) \
            and not may(request.user, actions.ARRIVAL_REGISTER):
        active = list(mine.filter(active=True)[:2])
        if len(active) == 1:
            return redirect("arrivals:checkpoint_entry", pk=active[0].pk)
    on = _day_from(request)
    counts = selectors.checkpoint_day_counts(user=request.user, on=on)
    rows = [(c, counts.get(c.pk, selectors.empty_counts())) for c in mine[:500]]
    totals = {k: sum(r[1][k] for r in rows) for k in selectors.COUNT_KEYS}
    return render(request, "arrivals/checkpoints.html", {
        "rows": rows, "totals": totals, "on": on, "channels": Checkpoint.Channel.choices,
        "may_record": may(request.user, actions.PASSAGE_RECORD),
    })


def _add_row_data(data, prefix: str = "p"):
    """The posted form with one more empty row (the add-row button without JavaScript), defaults set."""
    data = data.copy()
    n = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    data[f"{prefix}-TOTAL_FORMS"] = str(min(n + 1, 80))
    for name, value in (("colour", "green"), ("outcome", "let_through"), ("id_type", "resident_id"), ("category", "returnee")):
        data.setdefault(f"{prefix}-{n}-{name}", value)
    return data


def _apply_passage_errors(errors: dict[str, str], form, formset, rows: list[int]) -> None:
    """Put the service's errors next to their fields: `passengers.N.field` on the N-th filled row."""
    for key, reason in errors.items():
        parts = key.split(".")
        if parts[0] == "passengers" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = formset.forms[rows[int(parts[1])]]
            row.add_error(parts[2] if parts[2] in row.fields else None, reason)
        else:
            form.add_error(key if key in form.fields else None, reason)


@login_required
def checkpoint_entry(request, pk: int):
    """The fast entry screen: a plate, one row per person, save; the form comes back empty with today's counts."""

    from fangkong.arrivals.forms import PassageForm, PassengerFormSet

    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    require(request.user, actions.PASSAGE_RECORD, checkpoint.area_code)
    saved = None
    if request.method == "POST" and "add_row" in request.POST:
        data = _add_row_data(request.POST)
        form, formset = PassageForm(data), PassengerFormSet(data, prefix="p")
    elif request.method == "POST":
        form, formset = PassageForm(request.POST), PassengerFormSet(request.POST, prefix="p")
        if form.is_valid() and formset.is_valid():
            rows = [i for i, f in enumerate(formset.forms) if f.has_changed()]
            people = [services.PassengerIn(**{k: v or ("" if k != "negative_test_date" else None)
                                              for k, v in formset.forms[i].cleaned_data.items()}) for i in rows]
            try:
                saved = services.passage_record(by=request.user, checkpoint=checkpoint, passengers=people, **form.cleaned_data)
            except InvalidInput as exc:
                _apply_passage_errors(exc.errors, form, formset, rows)
            else:
                if not _is_htmx(request):
                    messages.success(request, _saved_message(saved))
                    return redirect("arrivals:checkpoint_entry", pk=checkpoint.pk)
                form, formset = PassageForm(initial={"plate": _plate_prefix(checkpoint)}), PassengerFormSet(prefix="p")
    else:
        form, formset = PassageForm(initial={"plate": _plate_prefix(checkpoint)}), PassengerFormSet(prefix="p")
    context = {
        "checkpoint": checkpoint, "form": form, "formset": formset, "saved": saved,
        "saved_message": _saved_message(saved) if saved else "",
        "counts": selectors.checkpoint_day_counts(user=request.user, on=today(), checkpoint=checkpoint).get(
            checkpoint.pk, selectors.empty_counts()),
        "recent": selectors.passages_of(user=request.user, checkpoint=checkpoint)[:RECENT_PASSAGES],
        "fever_at": policy_in_force().escalation.fever_celsius,
        "places": selectors.destinations_in_city(checkpoint=checkpoint, query=checkpoint.area_code[:6])
        if checkpoint.area_code else [],
    }
    template = "arrivals/_checkpoint_entry.html" if _is_htmx(request) else "arrivals/checkpoint_entry.html"
    return render(request, template, context)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _plate_prefix(checkpoint) -> str:
    from fangkong.arrivals.plates import province_prefix

    return province_prefix(checkpoint.area_code) if checkpoint.needs_plate else ""


def _saved_message(passage) -> str:
    n = passage.passengers.count()
    what = passage.plate or passage.trip_number or _("on foot")
    return _("Saved %(what)s: %(n)d person(s).") % {"what": what, "n": n}


@login_required
def checkpoint_places(request, pk: int):
    """Destinations in the city whose name contains what was typed: <option>s for the entry screen's list."""
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    query = request.GET.get("q") or next((v for k, v in request.GET.items() if k.endswith("destination")), "")
    return render(request, "arrivals/_checkpoint_places.html", {
        "places": selectors.destinations_in_city(checkpoint=checkpoint, query=query)})


@login_required
def checkpoint_day(request, pk: int):
    """One checkpoint's day: the counts and every passage (names and documents masked)."""
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    on = _day_from(request)
    counts = selectors.checkpoint_day_counts(user=request.user, on=on, checkpoint=checkpoint)
    return render(request, "arrivals/checkpoint_day.html", {
        "checkpoint": checkpoint, "on": on, "counts": counts.get(checkpoint.pk, selectors.empty_counts()),
        "passages": selectors.passages_of(user=request.user, checkpoint=checkpoint, on=on)[:1000],
        "may_record": may(request.user, actions.PASSAGE_RECORD),
    })
