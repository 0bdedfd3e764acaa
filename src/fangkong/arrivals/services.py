"""Writes for key-population control: risk areas, arrivals, control orders, check-ins, results, health codes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.areas.selectors import responsible_for
from fangkong.arrivals import actions
from fangkong.arrivals.models import Arrival, DeclarationPoster, SelfDeclaration
from fangkong.control.models import (
    ControlOrder,
)
from fangkong.control.services import order_from_facts, order_rederive
from fangkong.core import audit
from fangkong.core.clock import today as local_today
from fangkong.core.errors import AlreadyDone, InvalidInput, NotAllowed  # noqa: F401 - raised here, caught as services.*
from fangkong.core.permissions import PUBLIC, require
from fangkong.core.scoping import in_scope, subtree_q
from fangkong.core.text import clean_line, is_digits
from fangkong.healthcodes.models import HealthCode
from fangkong.healthcodes.services import codes_follow_person, health_code_refresh
from fangkong.healthcodes.verification import verification_record
from fangkong.people.models import Household, Person
from fangkong.policy.engine import Facts, Plan, evaluate
from fangkong.policy.selectors import active_profile as policy_in_force
from fangkong.risk.models import RISK_ORDER, RiskArea
from fangkong.risk.selectors import origin_problem, origin_unclear, risk_level_on

# ---------------------------------------------------------------------------
# Policy in force, arrivals, control orders, check-ins, test results, health codes
# ---------------------------------------------------------------------------


def arrival_categories() -> list[str]:
    """What an arrival may be registered as: the profile in force says (its `arrivals` section)."""
    return list(policy_in_force().arrivals.categories)


def _check_dates(errors: dict[str, str], *, arrived_on: dt.date | None, negative_test_date: dt.date | None) -> None:
    today = local_today()
    if arrived_on and arrived_on > today:
        errors["arrived_on"] = _("the arrival date is in the future")
    if negative_test_date and negative_test_date > today:
        errors["negative_test_date"] = _("the test date is in the future")


def arrival_register(
    *,
    by,
    person: Person,
    category: str,
    origin_name: str,
    arrived_on: dt.date,
    source: str,
    origin_code: str = "",
    household: Household | None = None,
    route: str = "",
    transport: str = "other",
    transport_number: str = "",
    negative_test_date: dt.date | None = None,
    released_from_centralized_isolation: bool = False,
    destination_code: str = "",
    origin_risk: str = "",
    action: str = actions.ARRIVAL_REGISTER,
    place_order: bool = True,
    registered_on: dt.date | None = None,
) -> Arrival:
    """Record an arrival, route it to the responsible grid worker, and put the person under the plan in force.

    `by` is the reporting user, or None for the public self-declaration page (the system actor
    `system:public`). `action` is the one the caller does: registering an arrival, recording a checkpoint
    passage, importing a list, submitting a declaration.
    The destination is the household's node, else `destination_code` (a node a checkpoint was
    told, a community whose household is still to be confirmed, or a village from a pushed list),
    else the person's own node. `origin_risk` is the level the source states (a 协查 list); the
    higher of it and the level on the risk-area list applies.
    """
    actor = require(by if by is not None else PUBLIC, action)
    errors: dict[str, str] = {}
    if category not in arrival_categories():
        errors["category"] = _("must be one of %(choices)s") % {"choices": ", ".join(arrival_categories())}
    if not origin_name.strip():
        errors["origin_name"] = _("required")
    if origin_code and not is_digits(origin_code):
        errors["origin_code"] = _("a division code has digits only")
    if origin_risk and origin_risk not in RISK_ORDER:
        errors["origin_risk"] = _("must be high, medium or low")
    _check_dates(errors, arrived_on=arrived_on, negative_test_date=negative_test_date)
    destination = household.area_code if household is not None else (destination_code or person.area_code)
    # A checkpoint or a pushed list reports for the whole city; a user registering by hand, only in their area.
    if action == actions.ARRIVAL_REGISTER and by is not None and not in_scope(by, destination):
        errors["destination"] = _("outside your area")
    if errors:
        raise InvalidInput(errors)
    answer = risk_level_on(on=arrived_on, code=origin_code, name="" if origin_code else origin_name)
    risk = answer.level
    if by is not None and not origin_risk and origin_unclear(
            answer, category=category, arrived_on=arrived_on, negative_test_date=negative_test_date,
            released_from_centralized_isolation=released_from_centralized_isolation):
        # A person typed (or picked) the origin: ask them for the division rather than plan as if it had no risk.
        if origin_code:
            from fangkong.areas import gazetteer

            shown = origin_name or gazetteer.full_names().get(origin_code, origin_code)
            raise InvalidInput({"origin_code": origin_problem(shown, answer)})
        raise InvalidInput({"origin_name": origin_problem(origin_name, answer)})
    if origin_risk and (risk is None or RISK_ORDER[origin_risk] > RISK_ORDER[risk]):
        risk = origin_risk
    with transaction.atomic():
        arrival = Arrival.objects.create(
            person=person, area_code=destination, household=household, category=category, origin_code=origin_code,
            origin_name=origin_name.strip(), origin_risk=risk or "", route=route, transport=transport,
            transport_number=transport_number, arrived_on=arrived_on, negative_test_date=negative_test_date,
            released_from_centralized_isolation=released_from_centralized_isolation, source=source,
            reported_by=by if getattr(by, "pk", None) else None,
        )
        owner = responsible_for(destination, household)
        if owner is not None:
            arrival.routed_to, arrival.routed_at = owner, timezone.now()
            arrival.save(update_fields=["routed_to", "routed_at"])
        facts = Facts(
            id=str(person.pk), category=category, origin_risk=risk, arrival_date=arrived_on,
            negative_test_date=negative_test_date, released_from_centralized_isolation=released_from_centralized_isolation,
            registered_on=registered_on,  # None: today (control.services.order_from_facts); the demo's past arrivals give theirs
        )
        # Not yet for a declaration that waits for the worker to confirm who made it (declaration_submit).
        order = order_from_facts(person=person, facts=facts, arrival=arrival, owner=owner) if place_order else None
        audit.record(actor, action, obj=arrival, changes={
            "person": person.pk, "category": category, "origin_code": origin_code, "origin_name": arrival.origin_name,
            "origin_risk": arrival.origin_risk, "arrived_on": arrived_on, "source": source,
            "order": order.pk if order else None, "rule": order.rule_id if order else None})
    return arrival


# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口): passages of vehicles and people, and the arrivals they register
# ---------------------------------------------------------------------------

MAX_PASSENGERS = 80  # a full coach and then some
_COLOURS = ("green", "yellow", "red")
_OUTCOMES = ("let_through", "turned_back", "medical")


@dataclass
class PassengerIn:
    """One row of the entry screen (or of an API body), as typed. Blank origin/destination: the passage's."""

    name: str = ""
    id_type: str = "resident_id"
    id_number: str = ""
    phone: str = ""
    temperature: object = None
    colour: str = ""
    health_code_token: str = ""
    origin: str = ""
    destination: str = ""
    category: str = "returnee"
    negative_test_date: dt.date | None = None
    outcome: str = ""


@dataclass
class _Place:
    """A destination in the city: an area node, or a household (and its node)."""

    code: str
    area: object
    household: Household | None = None


@dataclass
class _Row:
    given: PassengerIn
    clean: object  # people.validation.CleanPerson
    temperature: Decimal
    fever: bool
    colour: str
    code: HealthCode | None
    outcome: str
    origin_code: str
    origin_name: str
    place: _Place | None
    matched: Person | None


def checkpoint_create(*, by, area, name: str, channel: str, location: str = "", active: bool = True,
                      responsible_name: str = "", responsible_phone: str = ""):
    """Open a checkpoint under a county or township of the user's subtree (city command and districts)."""
    from fangkong.areas.codes import Level
    from fangkong.arrivals.models import Checkpoint
    from fangkong.core.ids import normalize_mobile

    require(by, actions.CHECKPOINT_MANAGE, area.code)
    errors: dict[str, str] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("required")
    elif len(name) > 100:
        errors["name"] = _("at most 100 characters")
    elif Checkpoint.objects.filter(area=area, name=name).exists():
        errors["name"] = _("this area has a checkpoint of that name already")
    if channel not in Checkpoint.Channel.values:
        errors["channel"] = _("must be one of %(choices)s") % {"choices": ", ".join(Checkpoint.Channel.values)}
    if area.level not in (Level.COUNTY, Level.TOWNSHIP):
        errors["area_code"] = _("a checkpoint belongs to a county or a township")
    phone = (responsible_phone or "").strip()
    if phone and normalize_mobile(phone) is None and not phone.replace("-", "").isdigit():
        errors["responsible_phone"] = _("not a phone number")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        checkpoint = Checkpoint.objects.create(
            name=name, channel=channel, area=area, area_code=area.code, location=(location or "").strip()[:200],
            active=active, responsible_name=(responsible_name or "").strip()[:50], responsible_phone=phone[:20],
        )
        audit.record(by, actions.CHECKPOINT_MANAGE, obj=checkpoint, changes={
            "name": name, "channel": channel, "active": active, "responsible_phone": checkpoint.responsible_phone})
        return checkpoint


def _parse_temperature(value) -> tuple[Decimal | None, str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, _("required")
    try:
        temp = Decimal(str(value).strip().replace("，", ".").replace(",", ".")).quantize(Decimal("0.1"))
    except ArithmeticError:
        return None, _("not a number")
    if not Decimal("34.0") <= temp <= Decimal("43.0"):
        return None, f"{temp} °C is not a body temperature (34–43 °C)"
    return temp, ""


def _origin_of(text: str) -> tuple[str, str, str]:
    """(code, name, error) from what was typed: a division code (any in the country) or a place's name."""
    from fangkong.areas.models import Area
    from fangkong.core.ids import to_halfwidth
    from fangkong.risk.rows import short_code

    text = " ".join(to_halfwidth(text or "").split())
    if not text:
        return "", "", _("required: where the person comes from")
    if not text.isdigit():
        return "", text[:200], ""
    if len(text) not in (2, 4, 6, 9, 12):
        return "", "", _("a division code has 2, 4, 6, 9 or 12 digits")
    code = short_code(text)
    name = (Area.objects.filter(code=code).values_list("name", flat=True).first()
            or RiskArea.objects.filter(division_code=code).values_list("region_name", flat=True).first() or code)
    return code, name, ""


def _place_of(text: str, city_code: str) -> tuple[_Place | None, str]:
    """A destination in the city: an area code, or a household code (which names the household's node too)."""
    from fangkong.areas.models import Area
    from fangkong.risk.rows import short_code

    code = "".join((text or "").split())
    if not code:
        return None, ""
    if not code.isdigit():
        return None, _("give the code of a township, village or grid of the city (choose from the list)")
    code = short_code(code) if len(code) == 12 else code
    if not code.startswith(city_code):
        return None, _("not in this city")
    area = Area.objects.filter(code=code).first()
    if area is not None:
        if len(code) < 9:
            return None, _("give a township, village or grid: a county is too coarse to route the arrival")
        return _Place(code, area), ""
    household = Household.objects.select_related("area").filter(code=code).first()
    if household is not None:
        return _Place(household.area_code, household.area, household), ""
    return None, _("no such area or household in the city")


def _local_day(at: dt.datetime) -> dt.date:
    from fangkong.core.clock import SHANGHAI

    return at.astimezone(SHANGHAI).date()


def _check_passengers(checkpoint, rows: list[PassengerIn], *, group_origin: str, group_destination: str,
                      fever_at: Decimal, errors: dict[str, str]) -> list[_Row]:
    from fangkong.core.crypto import lookup_hash
    from fangkong.healthcodes.selectors import health_code_by_token
    from fangkong.people.services import person_find_by_document
    from fangkong.people.validation import PersonInvalid, clean_person

    city_code = checkpoint.area_code[:4]
    origins: dict[str, tuple[str, str, str]] = {}
    places: dict[str, tuple[_Place | None, str]] = {}
    seen_documents: dict[tuple[str, str], int] = {}
    out: list[_Row] = []
    for index, given in enumerate(rows):
        prefix = f"passengers.{index}."
        row_errors: dict[str, str] = {}
        try:
            clean = clean_person(name=given.name, id_type=given.id_type or "resident_id", id_number=given.id_number,
                                 phone=given.phone)
        except PersonInvalid as exc:
            row_errors.update({k: str(v) for k, v in exc.errors.items()})
            clean = None
        if clean is not None and clean.id_number:
            key = (clean.id_type, clean.id_number)
            if key in seen_documents:
                row_errors["id_number"] = _("the same document as person %(n)d") % {"n": seen_documents[key] + 1}
            seen_documents.setdefault(key, index)
        temp, reason = _parse_temperature(given.temperature)
        if reason:
            row_errors["temperature"] = reason
        matched = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number) if clean and clean.id_number else None
        code = None
        colour = (given.colour or "").strip()
        token = (given.health_code_token or "").strip()
        if token:
            code = health_code_by_token(token)
            if code is None:
                row_errors["health_code_token"] = _("no such health code")
            elif clean is not None and clean.id_number and code.person.id_number_hash and (
                    (code.person.id_type, code.person.id_number_hash) != (clean.id_type, lookup_hash(clean.id_number))):
                row_errors["health_code_token"] = _("this health code belongs to someone else")
            else:
                colour = code.colour
        elif colour not in _COLOURS:
            row_errors["colour"] = _("choose the colour of the code shown: green, yellow or red")
        fever = temp is not None and temp >= fever_at
        outcome = (given.outcome or "").strip()
        if outcome and outcome not in _OUTCOMES:
            row_errors["outcome"] = _("must be one of %(choices)s") % {"choices": ", ".join(_OUTCOMES)}
        elif (fever or colour == "red") and outcome not in ("", "medical"):
            why = (_("%(temp)s °C is a fever (from %(fever_at)s °C)") % {"temp": temp, "fever_at": fever_at}
                   if fever else _("a red code"))
            row_errors["outcome"] = _("%(why)s: hand the person to medical staff") % {"why": why}
        outcome = outcome or ("medical" if fever or colour == "red" else "let_through")
        given.category = given.category or "returnee"
        if given.category not in arrival_categories():
            row_errors["category"] = _("must be one of %(choices)s") % {"choices": ", ".join(arrival_categories())}
        if given.negative_test_date and given.negative_test_date > local_today():
            row_errors["negative_test_date"] = _("the test date is in the future")
        origin_text = given.origin or group_origin
        if origin_text not in origins:
            origins[origin_text] = _origin_of(origin_text)
        origin_code, origin_name, reason = origins[origin_text]
        if not reason and not origin_code and origin_name and given.category in arrival_categories():
            # A typed place that names no single division must not be planned as "no risk" (issue 11 §8).
            answer = risk_level_on(on=local_today(), name=origin_name)
            if origin_unclear(answer, category=given.category, arrived_on=local_today(),
                              negative_test_date=given.negative_test_date):
                reason = origin_problem(origin_name, answer)
        if reason:
            errors[(prefix + "origin") if given.origin else "origin"] = reason
        destination_text = given.destination or group_destination
        if destination_text not in places:
            places[destination_text] = _place_of(destination_text, city_code)
        place, reason = places[destination_text]
        if reason:
            errors[(prefix + "destination") if given.destination else "destination"] = reason
        errors.update({prefix + k: v for k, v in row_errors.items()})
        if not row_errors and clean is not None:
            out.append(_Row(given, clean, temp, fever, colour, code, outcome, origin_code, origin_name, place, matched))
    return out


def passage_record(
    *,
    by,
    checkpoint,
    passengers: list[PassengerIn],
    plate: str = "",
    trip_number: str = "",
    origin: str = "",
    destination: str = "",
    at: dt.datetime | None = None,
    note: str = "",
):
    """Record one stop at a checkpoint: the vehicle (or group on foot) and every person checked in it.

    Each person gets a temperature, a health-code colour (seen, or looked up by the code's token
    through the verification log) and an outcome; a fever or a red code is handed to medical
    staff. A person let through to a destination in the city is registered as an arrival in the
    same transaction (matched to the registered person by document, or registered anew), routed
    to the destination's responsible worker and put under the plan in force. Everything or
    nothing is written; bad input raises InvalidInput naming each field (`passengers.N.field`).
    """
    from django.db import IntegrityError

    from fangkong.arrivals.models import Checkpoint, Passage, Passenger
    from fangkong.arrivals.plates import check_plate
    from fangkong.people.services import set_document, set_phone
    from fangkong.people.validation import PersonInvalid

    require(by, actions.PASSAGE_RECORD, checkpoint.area_code)
    now = timezone.now()
    at = at or now
    errors: dict[str, str] = {}
    if not checkpoint.active:
        errors["checkpoint"] = _("this checkpoint is closed")
    if timezone.is_naive(at):
        errors["at"] = _("give the time with its time zone")
    elif at > now + dt.timedelta(minutes=5):
        errors["at"] = _("the time is in the future")
    plate_text = (plate or "").strip()
    if plate_text:
        checked = check_plate(plate_text)
        if not checked.valid:
            errors["plate"] = _("not a mainland plate: %(reason)s") % {"reason": checked.reason_in(_)}
        plate_text = checked.normalized
    elif checkpoint.channel not in Checkpoint.FOOT_CHANNELS:
        errors["plate"] = _("required at a highway or road checkpoint")
    trip_number = "".join((trip_number or "").split()).upper()
    if len(trip_number) > 20:
        errors["trip_number"] = _("at most 20 characters")
    if not passengers:
        errors["passengers"] = _("give at least one person")
    elif len(passengers) > MAX_PASSENGERS:
        errors["passengers"] = _("at most %(n)d people in one passage") % {"n": MAX_PASSENGERS}
    profile = policy_in_force()
    rows = _check_passengers(checkpoint, list(passengers)[:MAX_PASSENGERS], group_origin=origin,
                             group_destination=destination, fever_at=Decimal(str(profile.escalation.fever_celsius)),
                             errors=errors)
    if errors:
        raise InvalidInput(errors)
    arrived_on = _local_day(at)
    try:
        with transaction.atomic():
            passage = Passage.objects.create(
                checkpoint=checkpoint, area_code=checkpoint.area_code, at=at, plate=plate_text, trip_number=trip_number,
                note=(note or "").strip()[:200], entered_by=by if getattr(by, "pk", None) else None, entered_at=now,
            )
            for seq, row in enumerate(rows, start=1):
                person, arrival = row.matched, None
                if row.outcome == "let_through" and row.place is not None:
                    try:
                        person, arrival = _arrival_from_checkpoint(by, checkpoint, row, arrived_on, plate_text or trip_number)
                    except PersonInvalid as exc:  # registered by someone else since the check above
                        raise InvalidInput({f"passengers.{seq - 1}.{k}": str(v) for k, v in exc.errors.items()}) from exc
                if row.code is not None:
                    verification_record(by=by, device=f"checkpoint:{checkpoint.pk}", code=row.code)
                passenger = Passenger(
                    passage=passage, checkpoint=checkpoint, area_code=checkpoint.area_code, at=at, seq=seq,
                    name=row.clean.name, origin_code=row.origin_code, origin_name=row.origin_name,
                    destination_code=row.place.household.code if row.place and row.place.household else (row.place.code if row.place else ""),
                    temperature=row.temperature, fever=row.fever, colour=row.colour, code_scanned=row.code is not None,
                    outcome=row.outcome, person=person, arrival=arrival,
                )
                set_document(passenger, id_type=row.clean.id_type, id_number=row.clean.id_number)
                set_phone(passenger, row.clean.phone)
                passenger.save()
            audit.record(by, actions.PASSAGE_RECORD, obj=passage, count=len(rows), changes={
                "checkpoint": checkpoint.pk, "plate": plate_text, "outcomes": [r.outcome for r in rows]})
    except IntegrityError as exc:
        # Two checkpoints registered the same new person at the same moment: the other one won.
        raise InvalidInput({"passengers": "a person was registered by someone else meanwhile; save again"}) from exc
    return passage


def _arrival_from_checkpoint(by, checkpoint, row: _Row, arrived_on: dt.date, transport_number: str) -> tuple[Person, Arrival]:
    """Register the arrival of a person let through to a destination in the city (inside the passage's transaction).

    The checkpoint reports for the whole city, like the public self-declaration page: the
    destination need not lie in the recording user's own area, so the arrival is registered
    by the system (by=None) and marked as reported by the user.
    """
    from fangkong.people.services import person_register

    place = row.place
    person = row.matched
    if person is None:
        person = person_register(
            area=place.area, household=place.household, name=row.clean.name, id_type=row.clean.id_type,
            id_number=row.clean.id_number, phone=row.clean.phone,
        )
    household = place.household
    if household is None and person.household_id and person.household.area_code.startswith(place.code):
        household = person.household  # going home: the household's own worker takes it up
    arrival = arrival_register(
        by=by, action=actions.PASSAGE_RECORD, person=person, household=household, destination_code=place.code,
        category=row.given.category,
        origin_code=row.origin_code, origin_name=row.origin_name, arrived_on=arrived_on, source=Arrival.Source.CHECKPOINT,
        route=checkpoint.name, transport={"airport": "plane", "railway": "train"}.get(checkpoint.channel, "car"),
        transport_number=transport_number, negative_test_date=row.given.negative_test_date,
    )
    return person, arrival


# ---------------------------------------------------------------------------
# Capability 2 and 4, public pages: self-declaration by QR poster, personal check-in links
# ---------------------------------------------------------------------------


@dataclass
class DeclarationInput:
    """A self-declaration as the public form cleaned it."""

    name: str
    id_type: str
    id_number: str
    phone: str
    category: str  # inbound (from abroad) or returnee (the origin's risk level decides the rest)
    origin_code: str
    origin_name: str
    arrived_on: dt.date
    address: str
    building_code: str = ""
    route: str = ""
    transport: str = "other"
    transport_number: str = ""
    negative_test_date: dt.date | None = None
    released_from_centralized_isolation: bool = False


@dataclass
class DeclarationOutcome:
    declaration: SelfDeclaration
    plan: Plan
    updated: bool  # an earlier declaration of the same document to the same community was updated
    origin_pending: bool = False  # the origin named no single division: a worker decides, the page says so


def _address_key(text: str) -> str:
    from fangkong.core.ids import to_halfwidth

    return "".join(to_halfwidth(text or "").split())


def _declared_household(community: Area, building_code: str, address: str, person: Person | None) -> Household | None:
    """The household a declared address names, only when exactly one in the community fits.

    Exact address, or its ending (at least 5 characters: "1单元201室") within the chosen building.
    Otherwise a matched person's own household, when it lies in this community. Nothing about
    the outcome reaches the public page: it answers the same whether an address resolved or not.
    """
    key = _address_key(address)
    under = building_code if building_code.startswith(community.code) and building_code != community.code else community.code
    if key:
        candidates = Household.objects.filter(subtree_q(under), address__contains=key).only("pk", "address", "area_code")[:50]
        exact = [h for h in candidates if _address_key(h.address) == key]
        ending = [h for h in candidates if _address_key(h.address).endswith(key)] if len(key) >= 5 else []
        for matches in (exact, ending):
            if len(matches) == 1:
                return Household.objects.select_related("area", "responsible").get(pk=matches[0].pk)
    if person is not None and person.household_id and person.household.area_code.startswith(community.code):
        return person.household
    return None


def _person_for_declaration(clean, *, area: Area, household: Household | None) -> tuple[Person, bool]:
    """The live person with this document, or a new one; safe against two declarations racing to create it."""
    from django.db import IntegrityError

    from fangkong.people.services import person_find_by_document, person_register
    from fangkong.people.validation import PersonInvalid

    found = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            person = person_register(area=area, household=household, name=clean.name, id_type=clean.id_type,
                                     id_number=clean.id_number, phone=clean.phone)
        return person, True
    except (IntegrityError, PersonInvalid):
        found = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number)
        if found is None:
            raise
        return found, False


def _declaration_facts(person: Person, data: DeclarationInput, risk: str | None) -> Facts:
    return Facts(id=str(person.pk), category=data.category, origin_risk=risk, arrival_date=data.arrived_on,
                 negative_test_date=data.negative_test_date,
                 released_from_centralized_isolation=data.released_from_centralized_isolation)


def declaration_submit(*, community: Area, data: DeclarationInput) -> DeclarationOutcome:
    """A self-declaration from the public page: register (or, within the idempotency window, update) the arrival.

    The person is matched by document or created; the arrival goes to the responsible worker of the
    household when the address resolves, else to the community's responsible person, flagged
    "household to be confirmed". No user: the signed community token was the caller's credential.
    """
    from fangkong.areas.codes import Level
    from fangkong.core.crypto import lookup_hash, seal
    from fangkong.core.masking import mask_phone
    from fangkong.people.services import person_find_by_document
    from fangkong.people.validation import PersonInvalid, clean_person

    require(PUBLIC, actions.DECLARATION_SUBMIT, community.code)
    if community.level != Level.VILLAGE:
        raise InvalidInput({"community": "declarations are made to a community or village"})
    clean = clean_person(name=data.name, id_type=data.id_type, id_number=data.id_number, phone=data.phone)
    if not clean.phone:
        raise PersonInvalid({"phone": "a mobile number is required"})
    errors: dict[str, str] = {}
    if data.category not in ("inbound", "returnee"):
        errors["category"] = "must be inbound or returnee"
    _check_dates(errors, arrived_on=data.arrived_on, negative_test_date=data.negative_test_date)
    if errors:
        raise InvalidInput(errors)
    window = dt.timedelta(hours=settings.FANGKONG_PUBLIC["IDEMPOTENCY_HOURS"])
    now = timezone.now()
    # Typed or picked: a picked province with a district listed inside it is as unclear as a typed one.
    origin_pending = origin_unclear(
        risk_level_on(on=data.arrived_on, code=data.origin_code, name="" if data.origin_code else data.origin_name),
        category=data.category, arrived_on=data.arrived_on,
        negative_test_date=data.negative_test_date,
        released_from_centralized_isolation=data.released_from_centralized_isolation)
    with transaction.atomic():
        matched = person_find_by_document(id_type=clean.id_type, id_number=clean.id_number)
        household = _declared_household(community, data.building_code, data.address, matched)
        person, created = _person_for_declaration(
            clean, area=household.area if household is not None else community, household=household)
        # One declaration of a person at a time: a double submit waits here, then finds the first one.
        person = Person.objects.select_for_update(of=("self",)).select_related("household").get(pk=person.pk)
        earlier = (SelfDeclaration.objects.select_for_update(of=("self",)).select_related("arrival")
                   .filter(person=person, community_code=community.code, submitted_at__gte=now - window)
                   .order_by("-submitted_at").first())
        contact = {"declared_name": clean.name, "phone_sealed": seal(clean.phone), "phone_hash": lookup_hash(clean.phone),
                   "phone_masked": mask_phone(clean.phone), "building_code": data.building_code[:24],
                   "address_text": clean_line(data.address)[:200]}
        if earlier is None:
            arrival = arrival_register(
                by=None, action=actions.DECLARATION_SUBMIT, person=person, household=household,
                destination_code=community.code, category=data.category, place_order=created and not origin_pending,
                origin_name=data.origin_name, origin_code=data.origin_code, arrived_on=data.arrived_on,
                source=Arrival.Source.SELF_DECLARATION, route=data.route, transport=data.transport,
                transport_number=data.transport_number, negative_test_date=data.negative_test_date,
                released_from_centralized_isolation=data.released_from_centralized_isolation,
            )
            declaration = SelfDeclaration.objects.create(
                arrival=arrival, person=person, community_code=community.code, area_code=arrival.area_code,
                person_created=created, household_pending=household is None, identity_pending=not created,
                origin_pending=origin_pending, **contact,
            )
        else:
            declaration = _declaration_update(earlier, person=person, data=data, household=household, contact=contact,
                                              origin_pending=origin_pending)
            audit.record(PUBLIC, actions.DECLARATION_SUBMIT, obj=declaration, reason="declaration updated",
                         changes={"arrived_on": data.arrived_on, "category": data.category})
        plan = evaluate(policy_in_force(), Facts.model_validate(_arrival_facts(declaration.arrival)))
    return DeclarationOutcome(declaration, plan, updated=earlier is not None, origin_pending=origin_pending)


def _arrival_facts(arrival: Arrival) -> dict:
    return Facts(
        id=str(arrival.person_id), category=arrival.category, origin_risk=arrival.origin_risk or None,
        arrival_date=arrival.arrived_on, negative_test_date=arrival.negative_test_date,
        released_from_centralized_isolation=arrival.released_from_centralized_isolation,
    ).model_dump(mode="json")


def _declaration_update(declaration: SelfDeclaration, *, person: Person, data: DeclarationInput,
                        household: Household | None, contact: dict, origin_pending: bool = False) -> SelfDeclaration:
    """A second declaration within the window corrects the first: same arrival, same order, re-derived if needed."""
    arrival = declaration.arrival
    risk = risk_level_on(on=data.arrived_on, code=data.origin_code, name="" if data.origin_code else data.origin_name).level
    arrival.category, arrival.origin_code, arrival.origin_name = data.category, data.origin_code, data.origin_name.strip()
    arrival.origin_risk, arrival.route, arrival.transport = risk or "", data.route, data.transport
    arrival.transport_number, arrival.arrived_on = data.transport_number, data.arrived_on
    arrival.negative_test_date = data.negative_test_date
    arrival.released_from_centralized_isolation = data.released_from_centralized_isolation
    arrival.save()
    for key, value in contact.items():
        setattr(declaration, key, value)
    declaration.submissions += 1
    declaration.updated_at = timezone.now()
    # A correction may name the origin clearly; one that makes it unclear waits for the worker from now on.
    declaration.origin_pending = origin_pending
    declaration.save()
    if declaration.household_pending and household is not None:
        _route_declaration(declaration, household, by=None)
    if declaration.identity_pending or declaration.origin_pending:
        return declaration  # no order yet: the worker's confirmation places it from the corrected facts
    facts = _declaration_facts(person, data, risk)
    profile = policy_in_force()
    plan = evaluate(profile, facts)
    order = arrival.orders.filter(status__in=ControlOrder.OPEN).prefetch_related("measures", "tests").first()
    if order is None:
        if plan.measures:
            order_from_facts(person=person, facts=facts, arrival=arrival, owner=arrival.routed_to, profile=profile)
    else:
        order.facts, order.category = facts.model_dump(mode="json"), data.category
        order.save(update_fields=["facts", "category"])
        order_rederive(order=order, profile=profile, plan=plan, by=None)
        transaction.on_commit(lambda: health_code_refresh(person=person))
    return declaration


def _route_declaration(declaration: SelfDeclaration, household: Household, *, by) -> None:
    """Point a declaration's arrival, its orders and their records at a household, and route to its worker."""
    arrival = declaration.arrival
    owner = responsible_for(household.area_code, household)
    code = household.area_code
    arrival.household, arrival.area_code, arrival.routed_to, arrival.routed_at = household, code, owner, timezone.now()
    arrival.save(update_fields=["household", "area_code", "routed_to", "routed_at"])
    for order in arrival.orders.all():
        order.area_code = code
        if order.is_open:
            order.owner = owner
        order.save(update_fields=["area_code", "owner"])
        for related in (order.tests, order.checkins, order.escalations, order.checkin_links):
            related.update(area_code=code)
    person = declaration.person
    if declaration.person_created and person.household_id is None:
        person.household, person.area, person.area_code = household, household.area, code
        person.save()
        codes_follow_person(person)
    declaration.area_code, declaration.household_pending = code, False
    declaration.confirmed_by, declaration.confirmed_at = by, timezone.now()
    declaration.save(update_fields=["area_code", "household_pending", "confirmed_by", "confirmed_at"])


def declaration_household_confirm(*, by, declaration: SelfDeclaration, household: Household) -> SelfDeclaration:
    """The worker names the household of a declaration whose address did not resolve; the arrival is re-routed."""
    require(by, actions.DECLARATION_CONFIRM, declaration.area_code)
    errors: dict[str, str] = {}
    if not declaration.household_pending:
        errors["household"] = "the household of this declaration is already confirmed"
    elif not household.area_code.startswith(declaration.community_code):
        errors["household"] = "the household is not in the community the person declared"
    elif not in_scope(by, household.area_code):
        errors["household"] = "outside your area"
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        before = declaration.area_code
        _route_declaration(declaration, household, by=by)
        audit.record(by, actions.DECLARATION_CONFIRM, obj=declaration, changes={
            "area_code": [before, declaration.area_code], "household": household.pk})
    return declaration


def declaration_identity_confirm(*, by, declaration: SelfDeclaration) -> SelfDeclaration:
    """The worker confirms that a declaration matched to a registered person was made by that person: only now
    does the arrival place its order (and the person's code follow it)."""
    require(by, actions.DECLARATION_CONFIRM, declaration.area_code)
    with transaction.atomic():
        declaration = SelfDeclaration.objects.select_for_update().select_related("arrival", "person").get(pk=declaration.pk)
        if not declaration.identity_pending:
            raise InvalidInput({"declaration": _("this declaration is confirmed already")})
        arrival = declaration.arrival
        order = None
        if not declaration.origin_pending:  # else the origin's confirmation places it
            facts = Facts.model_validate(_arrival_facts(arrival))
            order = order_from_facts(person=declaration.person, facts=facts, arrival=arrival, owner=arrival.routed_to)
        declaration.identity_pending = False
        declaration.confirmed_by, declaration.confirmed_at = by, timezone.now()
        declaration.save(update_fields=["identity_pending", "confirmed_by", "confirmed_at"])
        audit.record(by, actions.DECLARATION_CONFIRM, obj=declaration, reason="person confirmed",
                     changes={"order": order.pk if order else None, "rule": order.rule_id if order else None})
    return declaration


def declaration_origin_confirm(*, by, declaration: SelfDeclaration, origin_code: str) -> SelfDeclaration:
    """The worker names the division a declaration's typed origin meant (asked of the person): the arrival takes
    its code and risk level, and, once the person is confirmed too, its order is placed."""
    from fangkong.areas import gazetteer

    require(by, actions.DECLARATION_CONFIRM, declaration.area_code)
    origin_code = (origin_code or "").strip()
    if origin_code not in gazetteer.full_names():
        raise InvalidInput({"origin_code": _("not a division code of the country (province, city or county)")})
    with transaction.atomic():
        declaration = SelfDeclaration.objects.select_for_update().select_related("arrival", "person").get(pk=declaration.pk)
        if not declaration.origin_pending:
            raise InvalidInput({"declaration": _("this declaration's origin is confirmed already")})
        arrival = declaration.arrival
        answer = risk_level_on(on=arrival.arrived_on, code=origin_code)
        if answer.unresolved and origin_unclear(answer, category=arrival.category, arrived_on=arrival.arrived_on,
                                                negative_test_date=arrival.negative_test_date):
            raise InvalidInput({"origin_code": origin_problem(gazetteer.full_names()[origin_code], answer)})
        arrival.origin_code, arrival.origin_risk = origin_code, answer.level or ""
        arrival.save(update_fields=["origin_code", "origin_risk"])
        order = None
        if not declaration.identity_pending:
            facts = Facts.model_validate(_arrival_facts(arrival))
            order = order_from_facts(person=declaration.person, facts=facts, arrival=arrival, owner=arrival.routed_to)
        declaration.origin_pending = False
        declaration.confirmed_by, declaration.confirmed_at = by, timezone.now()
        declaration.save(update_fields=["origin_pending", "confirmed_by", "confirmed_at"])
        audit.record(by, actions.DECLARATION_CONFIRM, obj=declaration, reason="origin confirmed",
                     changes={"origin_code": origin_code, "origin_risk": arrival.origin_risk,
                              "order": order.pk if order else None})
    return declaration


def poster_rotate(*, by, community: Area) -> DeclarationPoster:
    """Void every printed QR poster of a community: its token gets a new generation."""
    require(by, actions.POSTER_ROTATE, community.code)
    with transaction.atomic():
        poster, _ = DeclarationPoster.objects.select_for_update().get_or_create(area_code=community.code)
        poster.generation += 1
        poster.rotated_at, poster.rotated_by = timezone.now(), by
        poster.save()
        audit.record(by, actions.POSTER_ROTATE, obj=poster, changes={"generation": poster.generation})
    return poster
