"""Arrivals and checkpoints (卡口) under /api/v1/control/, as before the split."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool

from fangkong.arrivals import actions, selectors, services
from fangkong.control.api import OrderOut, _order_out
from fangkong.core.api_support import (
    Body,
    BoundedDateTime,
    IsoDate,
    RecordId,
    Temperature,
    Text,
    allowed_to,
    reject_unknown_query,
    responses,
)
from fangkong.core.clock import today
from fangkong.people.selectors import household_get, person_get
from fangkong.risk.api import OnDay

router = Router(tags=["arrivals"])


class ArrivalIn(Body):
    person_id: RecordId = Field(description="the registered person arriving (register unknown people through /persons first)")
    household_id: RecordId | None = None
    category: Literal["inbound", "risk_area_arrival", "returnee"]
    origin_code: str = Field("", pattern=r"^[0-9]{0,12}$")
    origin_name: Text = Field(min_length=1, max_length=200)
    arrived_on: IsoDate
    route: Text = Field("", max_length=300)
    transport: Literal["plane", "train", "car", "bus", "other"] = "other"
    transport_number: Text = Field("", max_length=40)
    negative_test_date: IsoDate | None = None
    released_from_centralized_isolation: StrictBool = False
    source: Literal["checkpoint", "self", "assist", "big_data", "import", "manual"] = "manual"


class ArrivalOut(Schema):
    arrival_id: int
    origin_risk: str | None
    routed_to: str | None = Field(description="the responsible person the arrival was routed to")
    order: OrderOut | None = Field(description="the control order, or null when the policy orders nothing")


@router.post("/arrivals", response=responses({201: ArrivalOut}), auth=allowed_to(actions.ARRIVAL_REGISTER))
def arrival_create(request, body: ArrivalIn):
    """Register an arrival: routed to the destination's grid worker and put under the plan in force."""
    person = person_get(user=request.user, pk=body.person_id)
    household = household_get(user=request.user, pk=body.household_id) if body.household_id else person.household
    data = body.dict(exclude={"person_id", "household_id"})
    arrival = services.arrival_register(by=request.user, person=person, household=household, **data)
    order = arrival.orders.first()
    return Status(201, {"arrival_id": arrival.pk, "origin_risk": arrival.origin_risk or None,
                        "routed_to": arrival.routed_to.name if arrival.routed_to_id else None,
                        "order": _order_out(order) if order else None})




class CheckpointOut(Schema):
    id: int
    name: str
    channel: str = Field(description="airport, railway, highway or road (national / provincial road)")
    area_code: str
    area_name: str = Field(alias="area.name")
    location: str
    active: bool
    responsible_name: str
    responsible_phone: str


class CheckpointQuery(Schema):
    channel: Literal["airport", "railway", "highway", "road"] | None = None
    active: bool | None = None


@router.get("/checkpoints", response=responses({200: list[CheckpointOut]}))
def checkpoint_list(request, query: Query[CheckpointQuery]):
    """Checkpoints under your node (a command user sees its whole subtree)."""
    reject_unknown_query(request, CheckpointQuery)
    return list(selectors.checkpoints_for(user=request.user, channel=query.channel or "", active=query.active))


class CheckpointIn(Body):
    name: Text = Field(min_length=1, max_length=100)
    channel: Literal["airport", "railway", "highway", "road"]
    area_code: str = Field(pattern=r"^[0-9]{6}([0-9]{3})?$", description="the county (6 digits) or township (9 digits)")
    location: Text = Field("", max_length=200)
    active: StrictBool = True
    responsible_name: Text = Field("", max_length=50)
    responsible_phone: Text = Field("", max_length=20)


@router.post("/checkpoints", response=responses({201: CheckpointOut}), auth=allowed_to(actions.CHECKPOINT_MANAGE))
def checkpoint_create(request, body: CheckpointIn):
    """Open a checkpoint (city command and district users)."""
    from fangkong.areas.selectors import area_get

    area = area_get(user=request.user, code=body.area_code)
    checkpoint = services.checkpoint_create(by=request.user, area=area, **body.dict(exclude={"area_code"}))
    return Status(201, checkpoint)


class PassengerBody(Body):
    name: Text = Field(max_length=100)
    id_type: Literal["resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent",
                     "birth_certificate", "none"] = "resident_id"
    id_number: Text = Field("", max_length=40)
    phone: Text = Field("", max_length=20)
    temperature: Temperature
    colour: Literal["green", "yellow", "red", ""] = Field("", description="the health-code colour seen; or give health_code_token")
    health_code_token: Text = Field("", max_length=64, description="the token of the person's QR code: the colour is looked up (and logged)")
    origin: Text = Field("", max_length=200, description="division code or place name; default the passage's")
    destination: Text = Field("", max_length=32, description="area or household code in the city; default the passage's")
    category: Literal["inbound", "risk_area_arrival", "returnee"] = "returnee"
    negative_test_date: IsoDate | None = None
    outcome: Literal["let_through", "turned_back", "medical", ""] = Field(
        "", description="default: medical for a fever or a red code, otherwise let_through")


class PassageIn(Body):
    plate: Text = Field("", max_length=20, description="required at highway and road checkpoints")
    trip_number: Text = Field("", max_length=20, description="flight or train number (airport, railway)")
    origin: Text = Field("", max_length=200, description="where the vehicle / group comes from: division code or name")
    destination: Text = Field("", max_length=32, description="area or household code in the city; empty: not staying")
    at: BoundedDateTime | None = Field(None, description="default now; ISO 8601 with time zone")
    note: Text = Field("", max_length=200)
    passengers: list[PassengerBody] = Field(min_length=1, max_length=services.MAX_PASSENGERS)


class PassengerOut(Schema):
    seq: int
    name: str = Field(description="masked")
    id_number: str = Field(description="masked")
    temperature: float
    fever: bool
    colour: str
    code_scanned: bool
    outcome: str
    origin_name: str
    destination_code: str
    arrival_id: int | None
    person_id: int | None


class PassageOut(Schema):
    id: int
    checkpoint_id: int
    at: dt.datetime
    plate: str
    trip_number: str
    passengers: list[PassengerOut]


class CountsOut(Schema):
    checkpoint_id: int
    name: str
    channel: str
    on: dt.date
    vehicles: int
    people: int
    let_through: int
    turned_back: int
    medical: int
    fever: int


def _passage_out(passage) -> dict:
    from fangkong.core.masking import mask_name

    return {
        "id": passage.pk, "checkpoint_id": passage.checkpoint_id, "at": passage.at, "plate": passage.plate,
        "trip_number": passage.trip_number,
        "passengers": [{
            "seq": p.seq, "name": mask_name(p.name), "id_number": p.id_number_masked, "temperature": float(p.temperature),
            "fever": p.fever, "colour": p.colour, "code_scanned": p.code_scanned, "outcome": p.outcome,
            "origin_name": p.origin_name, "destination_code": p.destination_code, "arrival_id": p.arrival_id,
            "person_id": p.person_id,
        } for p in passage.passengers.all()],
    }


def _counts_out(checkpoint, on: dt.date, counts: dict) -> dict:
    return {"checkpoint_id": checkpoint.pk, "name": checkpoint.name, "channel": checkpoint.channel, "on": on,
            **counts.get(checkpoint.pk, selectors.empty_counts())}


@router.post("/checkpoints/{pk}/passages", response=responses({201: PassageOut}),
                     auth=allowed_to(actions.PASSAGE_RECORD))
def passage_create(request, pk: RecordId, body: PassageIn):
    """Record a vehicle (or a group on foot) and everyone checked in it, in one transaction.

    A person let through to a destination in the city is registered as an arrival at once
    (matched by document or registered), routed and put under the plan in force. Errors name
    the field, per person as `passengers.N.field`.
    """
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    people = [services.PassengerIn(**p.dict()) for p in body.passengers]
    passage = services.passage_record(
        by=request.user, checkpoint=checkpoint, passengers=people, plate=body.plate, trip_number=body.trip_number,
        origin=body.origin, destination=body.destination, at=body.at, note=body.note,
    )
    return Status(201, _passage_out(passage))


class PassageQuery(OnDay):
    limit: int = Field(100, ge=1, le=500)


@router.get("/checkpoints/{pk}/passages", response=responses({200: list[PassageOut]}))
def passage_list(request, pk: RecordId, query: Query[PassageQuery]):
    """One day's passages at a checkpoint (default today), newest first; names and documents masked."""
    reject_unknown_query(request, PassageQuery)
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    passages = selectors.passages_of(user=request.user, checkpoint=checkpoint, on=query.on or today())
    return [_passage_out(p) for p in passages[: query.limit]]


@router.get("/checkpoints/counts", response=responses({200: list[CountsOut]}))
def checkpoint_counts(request, query: Query[OnDay]):
    """Daily counts of every checkpoint under your node for one day (default today)."""
    reject_unknown_query(request, OnDay)
    on = query.on or today()
    counts = selectors.checkpoint_day_counts(user=request.user, on=on)
    return [_counts_out(c, on, counts) for c in selectors.checkpoints_for(user=request.user)]


@router.get("/checkpoints/{pk}/counts", response=responses({200: CountsOut}))
def checkpoint_day_counts(request, pk: RecordId, query: Query[OnDay]):
    """One checkpoint's counts for one day (default today)."""
    reject_unknown_query(request, OnDay)
    checkpoint = selectors.checkpoint_get(user=request.user, pk=pk)
    on = query.on or today()
    return _counts_out(checkpoint, on, selectors.checkpoint_day_counts(user=request.user, on=on, checkpoint=checkpoint))
