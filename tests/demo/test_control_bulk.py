"""The demo's bulk path for arrivals writes the rows arrival_register writes (a database of its own: the tree fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.areas.models import Responsible
from fangkong.arrivals import services as arrivals_services
from fangkong.arrivals.models import Arrival
from fangkong.core.clock import today
from fangkong.demo import control_data
from fangkong.healthcodes.models import HealthCode
from fangkong.people.services import household_create, person_register
from fangkong.risk.models import RiskArea
from tests.conftest import make_id_number


def _rows(arrival: Arrival) -> dict:
    order = arrival.orders.first()
    code = HealthCode.objects.filter(person=arrival.person).first()
    facts = dict(order.facts) if order else {}
    facts.pop("id", None)  # the person's own id
    return {
        "arrival": (arrival.area_code, arrival.category, arrival.origin_code, arrival.origin_name, arrival.origin_risk,
                    arrival.route, arrival.transport, arrival.transport_number, arrival.arrived_on,
                    arrival.negative_test_date, arrival.source, arrival.reported_by_id, arrival.routed_to_id,
                    arrival.routed_at is not None),
        "order": order and (order.area_code, order.category, facts, order.profile_name, order.profile_version, order.rule_id,
                            order.explanation, order.checkins_per_day, order.starts_on, order.ends_on, order.status,
                            order.owner_id, order.history.exists()),
        "measures": order and list(order.measures.values_list("seq", "measure", "starts_on", "ends_on")),
        "tests": order and list(order.tests.values_list("due_on", "status")),
        "code": code and (code.area_code == arrival.person.area_code, code.colour, code.reasons),
    }


@pytest.mark.parametrize(("origin_code", "origin_name", "category", "days_ago"), [
    ("110105", "北京市朝阳区", "risk_area_arrival", 2),
    ("440106", "广东省广州市天河区", "returnee", 0),
    ("", "韩国首尔", "inbound", 5),
    ("410105", "河南省郑州市金水区", "returnee", 1),  # no risk level: no order, no code
])
def test_the_bulk_path_writes_the_rows_arrival_register_writes(tree, city_user, django_capture_on_commit_callbacks,
                                                               origin_code, origin_name, category, days_ago):
    grid = tree["grid_a"]
    Responsible.objects.create(area=grid, area_code=grid.code, tier="grid_worker", name="王网格", phone="13900000001")
    RiskArea.objects.create(division_code="110105", region_name="北京市朝阳区", level="medium", starts_on=today() - dt.timedelta(days=30))
    RiskArea.objects.create(division_code="440106", region_name="广东省广州市天河区", level="low", starts_on=today() - dt.timedelta(days=30))
    household = household_create(user=city_user, area=grid, address="一号楼")
    one, two = (person_register(area=grid, household=household, name=n, id_number=make_id_number(seq=s))
                for n, s in (("甲", "111"), ("乙", "113")))
    arrived = today() - dt.timedelta(days=days_ago)
    item = {"category": category, "origin_code": origin_code, "origin_name": origin_name, "arrived_on": arrived,
            "source": "checkpoint", "route": f"{origin_name} → 商丘", "transport": "train", "transport_number": "G1234",
            "negative_test_date": arrived - dt.timedelta(days=1) if category == "returnee" else None}
    with django_capture_on_commit_callbacks(execute=True):
        by_service = arrivals_services.arrival_register(by=city_user, person=one, household=household, **item)
    (by_bulk,) = control_data.bulk_arrivals([{**item, "person": two, "household": household}], user=city_user,
                                            now=timezone.now())
    assert _rows(by_bulk) == _rows(by_service)
