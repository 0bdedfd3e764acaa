"""The scoping walk: every URL of the project, requested by users of ANOTHER area.

County B is filled with one record of every kind that holds personal or area data (`seed`), numbered
from ID_BASE so that an id of theirs on another area's page cannot be a coincidence. Then a user of
county A of every role walks every URL pattern of Django's resolver (recursively, the ninja API's
routes included):

- a list, search, count, aggregate, export or form route (no URL kwargs) is requested before and after
  county B is seeded: the answer must not change at all (so counts equal A's own), and must show no
  name, code or id of B's records; each GET is repeated with B's area code, B's search text and B's ids
  in its query parameters (the OpenAPI operation's for the API, `VIEW_QUERY` for views);
- a route that takes an object gets the kwargs of county B's object and must answer 404 (or 403, when the
  role lacks the route's action) for every method it serves, showing nothing of B; county B's own user
  must NOT get 404, so a broken sample cannot pass silently;
- the admin, through its registry: every changelist (plain and searched) and the change, history and
  delete pages of B's records, as a staff user of county A (`walk_admin`).
`test_the_walk_reports_routes_that_forget_the_scoping` adds unscoped routes and an unscoped admin at
test time and checks that the walk reports each.

A ROUTE WITHOUT KWARGS IS WALKED WITHOUT AN ENTRY (as a GET for a view). A ROUTE WITH KWARGS NEEDS AN
ENTRY IN `SAMPLES`, keyed by its URL name ("namespace:name"): the test fails for a route without one, so
a new page or endpoint cannot ship unscoped. Adding one is one line:

    "areas:board": obj(lambda w: {"code": w.grid.code}),                          # object by code
    "people:import_detail": obj(lambda w: {"pk": batch_in(w).pk}),                # object you build
    "people:import_list": listing(control=True),                                  # list route
    "people:import_upload": listing(methods=("GET", "POST")),                     # form page
    "api:team_create": listing(body=lambda w: {"area_code": w.county.code}, expect=404),

`w` is the World of county B (see below): its tree nodes (`w.tree["grid_b"]`, `w.county`,
`w.grid`), a household, a person, a responsible person, and its user (`w.user`). A route
whose object is not there builds it in county B in a small helper next to its entry
(e.g. `def batch_in(w): return ImportBatch.objects.create(area_code=w.grid.code, ...)`);
give it a name or code containing `MARK` when a list route shows it, and call it from `seed` when it
is a new kind of record.
For API routes the methods come from the operation itself; for views give `methods=`.
A route that can show nothing of any area may be skipped with `skip("reason")` (the
reason is the review).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection, transaction
from django.http import JsonResponse
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, path, reverse

from fangkong.api import api
from fangkong.areas.models import Responsible
from fangkong.core.models import ApiToken
from fangkong.core.roles import Role
from fangkong.people import services
from tests.conftest import make_id_number, make_user

MARK = "越界标记"  # appears in the names of county B's sample objects
ID_B = make_id_number("411403", "19800101", "555")


@dataclass
class World:
    """What county B holds: the objects the walk points user A at."""

    tree: dict
    user: object
    household: object = None
    person: object = None
    responsible: object = None

    @property
    def county(self):
        return self.tree["county_b"]

    @property
    def grid(self):
        return self.tree["grid_b"]

    def make_order(self):
        """An open control order for county B's person, with its test days (via the real service)."""
        from fangkong.arrivals.services import arrival_register

        if not hasattr(self, "_order"):
            arrival = arrival_register(by=self.user, person=self.person, household=self.household, category="inbound",
                                       origin_name=f"{MARK}国", arrived_on=dt.date.today(), source="manual")
            self._order = arrival.orders.get()
        return self._order

    def make_escalation(self):
        from fangkong.control.services import checkin_record

        if not hasattr(self, "_escalation"):
            checkin_record(by=self.user, order=self.make_order(), temperature=38.5)
            self._escalation = self.make_order().escalations.get()
        return self._escalation

    def make_team(self):
        from fangkong.areas.models import Team

        return Team.objects.get_or_create(area=self.county, area_code=self.county.code, kind="tracing", name=f"{MARK}流调队")[0]

    def make_team_member(self):
        from fangkong.areas.models import TeamMember

        return TeamMember.objects.create(team=self.make_team(), name=f"{MARK}队员", phone="13700003333")

    def make_shift(self):
        from fangkong.areas.models import DutyShift

        start = dt.datetime.now(dt.UTC)
        return DutyShift.objects.create(area=self.county, area_code=self.county.code, starts_at=start,
                                        ends_at=start + dt.timedelta(hours=8), name=f"{MARK}值班", phone="13700004444")

    def make_import_batch(self):
        from fangkong.imports.models import ImportBatch

        return ImportBatch.objects.create(filename=f"{MARK}.xlsx", sha256="0" * 64, uploaded_by=self.user,
                                          area_code=self.grid.code, status="done")

    def make_duplicate(self):
        from fangkong.people.models import DuplicateCandidate

        twin = services.person_register(area=self.grid, household=self.household, name=f"{MARK}人", id_type="none")
        return DuplicateCandidate.objects.create(person=twin, other=self.person, area_code=self.grid.code, reason="same name")

    def markers(self) -> list[str]:
        return [MARK, self.county.name, self.household.code, ID_B, ID_B[-6:]]


@dataclass
class Sample:
    kind: str  # "object", "list" or "skip"
    kwargs: Callable[[World], dict] | None = None
    methods: tuple[str, ...] | None = None  # views only; API routes use their operation's methods
    body: Callable[[World], dict] | None = None
    expect: int | None = None  # lists: the status the other area's user must get (e.g. 404 for a create in B)
    control: bool = False  # lists: county B's own user must see a marker (proves the check can fail)
    reason: str = ""
    role: str = ""  # objects: county B's control user has this role (one whose grants hold the route's action)


def obj(kwargs: Callable[[World], dict], *, methods: tuple[str, ...] | None = None, body=None, role: str = "") -> Sample:
    return Sample("object", kwargs=kwargs, methods=methods, body=body, role=role)


def listing(*, methods: tuple[str, ...] | None = None, body=None, expect: int | None = None, control=False,
            kwargs: Callable[[World], dict] | None = None) -> Sample:
    """A route that lists or creates; `kwargs` for parameters that name no object (an export's format)."""
    return Sample("list", kwargs=kwargs, methods=methods, body=body, expect=expect, control=control)


def skip(reason: str) -> Sample:
    return Sample("skip", reason=reason)


# Whole namespaces left out of the walk, each with its reason.
EXCLUDED_NAMESPACES = {
    "admin": "Django admin: walked by its registry instead (walk_admin), each model's changelist and "
    "the change, history and delete pages of county B's records",
}

SAMPLES: dict[str, Sample] = {
    # --- web pages ---
    "login": listing(),
    "logout": listing(methods=("POST",)),
    "set_language": listing(methods=("POST",)),
    "web:home": listing(),
    "web:healthz": listing(),
    "web:readyz": listing(),
    "areas:tree": listing(),
    "areas:detail": obj(lambda w: {"code": w.county.code}),
    "people:list": listing(control=True),
    "people:detail": obj(lambda w: {"pk": w.person.pk}, methods=("GET", "POST"), body=lambda w: {"reveal": "1", "reason": "x"}),
    "people:household": obj(lambda w: {"pk": w.household.pk}),
    # --- API ---
    "api:api-root": listing(),
    "api:openapi-json": skip("the API's schema, generated from the code: the same for everyone, no stored data "
                             "(and a second to build, eighteen times a walk)"),
    "api:openapi-view": listing(),
    "api:area_search": listing(control=True),
    "api:area_detail": obj(lambda w: {"code": w.county.code}),
    "api:area_children": obj(lambda w: {"code": w.county.code}),
    "api:area_responsibles": obj(lambda w: {"code": w.grid.code}),
    "api:household_list": listing(control=True),
    "api:household_create": listing(body=lambda w: {"area_code": w.grid.code}, expect=404),
    "api:household_detail": obj(lambda w: {"pk": w.household.pk}),
    "api:household_update": obj(lambda w: {"pk": w.household.pk}, body=lambda w: {"address": "x"}),
    "api:household_members": obj(lambda w: {"pk": w.household.pk}),
    "api:person_search": listing(body=lambda w: {"id_number": ID_B}, expect=404),
    "api:person_list": listing(control=True),
    "api:person_create": listing(body=lambda w: {"name": "x", "area_code": w.grid.code, "id_type": "none"}, expect=404),
    "api:person_detail": obj(lambda w: {"pk": w.person.pk}),
    "api:person_update": obj(lambda w: {"pk": w.person.pk}, body=lambda w: {"relation": "x"}),
    # --- areas: responsibility chain, teams, rosters ---
    "areas:search": listing(),
    "audit_log": listing(),  # 403 for the walk's grid workers; tests/core/test_audit_page.py walks a sibling auditor
    "areas:users": listing(methods=("GET", "POST"), body=lambda w: {"username": "x1", "role": "read_only", "area_code": w.grid.code}),
    "areas:user": skip("needs areas.user.manage, which the walk's grid workers lack; tests/areas/test_users.py asks "
                       "for a sibling county's user as a district and expects 404"),
    "areas:user_action": skip("as areas:user"),
    "people:transfers": listing(methods=("GET", "POST"), body=lambda w: {"id_type": "resident_id", "id_number": ID_B,
                                                                          "household_code": "0"}),
    "people:transfer_decide": obj(lambda w: {"pk": transfer_in(w).pk}, methods=("POST",), body=lambda w: {"decision": "refuse"}),
    "api:transfer_create": listing(body=lambda w: {"id_number": ID_B, "household_id": w.household.pk}, expect=404),
    "api:transfer_list": listing(),
    "api:transfer_decide": obj(lambda w: {"pk": transfer_in(w).pk}, body=lambda w: {"accept": False}),
    "areas:unassigned_root": listing(),
    "areas:responsible_replace": obj(lambda w: {"pk": w.responsible.pk}, methods=("GET", "POST"), body=lambda w: {"name": "x", "phone": "13700009999"}),
    "areas:responsible_deactivate": obj(lambda w: {"pk": w.responsible.pk}, methods=("POST",)),
    "areas:responsible_add": obj(lambda w: {"code": w.grid.code}, methods=("POST",), body=lambda w: {"tier": "grid_worker", "name": "x", "phone": "13700009999"}),
    "areas:team": obj(lambda w: {"pk": w.make_team().pk}),
    "areas:team_member_remove": obj(lambda w: {"pk": w.make_team_member().pk}, methods=("POST",)),
    "areas:shift_remove": obj(lambda w: {"pk": w.make_shift().pk}, methods=("POST",)),
    "areas:board": obj(lambda w: {"code": w.grid.code}),
    "areas:unassigned": obj(lambda w: {"code": w.county.code}),
    "areas:teams": obj(lambda w: {"code": w.county.code}),
    "areas:roster": obj(lambda w: {"code": w.county.code}),
    "areas:households_assign": obj(lambda w: {"code": w.grid.code}, methods=("GET", "POST"),
                                   body=lambda w: {"responsible": w.responsible.pk, "households": [w.household.pk]}),
    # --- people: households, imports, exports, duplicates ---
    "people:households": listing(control=True),
    "people:import": listing(),
    "people:import_template": listing(),
    "people:import_status": obj(lambda w: {"pk": w.make_import_batch().pk}),
    "people:import_rejects": obj(lambda w: {"pk": w.make_import_batch().pk}),
    "people:export": listing(kwargs=lambda w: {"fmt": "csv"}, control=True),
    "people:duplicates": listing(),
    "people:duplicate": obj(lambda w: {"pk": w.make_duplicate().pk}),
    "people:duplicate_decide": obj(lambda w: {"pk": w.make_duplicate().pk}, methods=("POST",), body=lambda w: {"decision": "distinct"}),
    "api:import_upload": listing(),
    "api:import_list": listing(),
    "api:import_status": obj(lambda w: {"pk": w.make_import_batch().pk}),
    # --- control: risk areas (public, announced), arrivals, orders, tasks, escalations, verification ---
    "risk:risk_areas": listing(),
    "control:today": listing(control=True),
    "control:order": obj(lambda w: {"pk": w.make_order().pk}, methods=("GET", "POST"), body=lambda w: {"temperature": "36.5"}),
    "control:order_release": obj(lambda w: {"pk": w.make_order().pk}, methods=("POST",)),
    "control:order_hospital": obj(lambda w: {"pk": w.make_order().pk}, methods=("POST",), body=lambda w: {"step": "admit"}),
    "control:test_result": obj(lambda w: {"pk": w.make_order().tests.first().pk}, methods=("POST",), body=lambda w: {"result": "negative"}),
    "arrivals:arrival_new": obj(lambda w: {"person_pk": w.person.pk}, methods=("GET", "POST")),
    "control:escalations": listing(control=True),
    "control:escalation_resolve": obj(lambda w: {"pk": w.make_escalation().pk}, methods=("POST",)),
    "control:profile": listing(),
    "api:risk_area_list": listing(),
    "api:risk_area_create": listing(body=lambda w: {"region_name": "x", "level": "high", "starts_on": "2022-01-01"}),
    "api:risk_level": listing(),
    "api:risk_area_import": listing(),
    "api:arrival_create": listing(body=lambda w: {"person_id": w.person.pk, "category": "inbound", "origin_name": "x",
                                                   "arrived_on": dt.date.today().isoformat()}, expect=404),
    "api:order_list": listing(control=True),
    "api:order_detail": obj(lambda w: {"pk": w.make_order().pk}),
    "api:checkin_create": obj(lambda w: {"pk": w.make_order().pk}, body=lambda w: {"temperature": 36.5}),
    "api:test_result": obj(lambda w: {"pk": w.make_order().tests.first().pk}, body=lambda w: {"positive": False}),
    "api:order_release": obj(lambda w: {"pk": w.make_order().pk}),
    "api:order_hospital_transfer": obj(lambda w: {"pk": w.make_order().pk}, body=lambda w: {"reason": "x"}),
    "api:order_hospital_admit": obj(lambda w: {"pk": w.make_order().pk}, role="hospital"),
    "api:order_hospital_discharge": obj(lambda w: {"pk": w.make_order().pk}, role="hospital"),
    "api:tasks_today": listing(control=True),
    "api:escalation_list": listing(control=True),
    "api:escalation_resolve": obj(lambda w: {"pk": w.make_escalation().pk}),
    "api:verify": skip("answers only a colour, a masked name and the time for any person by design (a venue anywhere "
                       "may scan anyone); rate limited and logged; tested in tests/control/test_control_api.py"),
    "api:profile_active": listing(),
    "api:profile_switch": listing(body=lambda w: {"name": "seed-2021"}),
    # --- policy: profiles and the pure engine hold no personal data ---
    "api:profile_list": listing(),
    "api:profile_detail": skip("a shipped profile is public policy text, the same for every area"),
    "api:plans_evaluate": skip("pure function of the posted facts; reads no stored data"),
}


@dataclass
class Route:
    name: str
    route: str
    namespace: str
    has_kwargs: bool
    methods: tuple[str, ...] = field(default=())


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            name = ":".join(x for x in (namespace, p.name) if x) if p.name else route
            has_kwargs = bool(re.search(r"<[^>]+>|\(\?P<", route))
            yield Route(name, route, namespace, has_kwargs)


def _api_methods() -> dict[str, tuple[str, ...]]:
    methods = {}
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for op in path_view.operations:
                name = getattr(op, "url_name", "") or api.get_operation_url_name(op, router=bound.template)
                methods[f"api:{name}"] = tuple(op.methods)
    return methods


def all_routes() -> list[Route]:
    routes, api_methods = [], _api_methods()
    for r in _walk(get_resolver().url_patterns):
        if r.namespace.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        r.methods = api_methods.get(r.name, ())
        routes.append(r)
    return routes



def transfer_in(w: World):
    """A request to move county B's person within county B: county B decides it. (A request from county A
    would rightly show on county A's own list of requests it made, which the walk would call a leak.)"""
    from fangkong.people.models import TransferRequest

    return TransferRequest.objects.get_or_create(person=w.person, to_area=w.tree["village_b"], status="pending", defaults={
        "area_code": w.person.area_code, "to_area_code": w.tree["village_b"].code, "reason": f"{MARK}迁入"})[0]


# ---------------------------------------------------------------------------
# Capability 7: checkpoints (卡口). County B's checkpoint, with one passage, exists for every walk.
# ---------------------------------------------------------------------------


def checkpoint_in(w: World):
    from fangkong.arrivals.models import Checkpoint
    from fangkong.arrivals.services import PassengerIn, passage_record

    if not hasattr(w, "_checkpoint"):
        w._checkpoint = Checkpoint.objects.create(name=f"{MARK}卡口", channel="highway", area=w.county, area_code=w.county.code)
        staff = make_user("kakou-b", w.county.code, "checkpoint")
        passage_record(by=staff, checkpoint=w._checkpoint, plate="豫N12345", origin="110105", passengers=[
            PassengerIn(name=f"{MARK}人", id_number=ID_B, temperature="36.6", colour="green", destination=w.grid.code)])
    return w._checkpoint


def _passage_body(w: World) -> dict:
    return {"plate": "豫N54321", "origin": "110105", "passengers": [
        {"name": "x", "id_number": ID_B, "temperature": 36.5, "colour": "green"}]}


SAMPLES.update({
    "arrivals:checkpoints": listing(control=True),
    "arrivals:checkpoint_day": obj(lambda w: {"pk": checkpoint_in(w).pk}),
    "arrivals:checkpoint_entry": obj(lambda w: {"pk": checkpoint_in(w).pk}, methods=("GET", "POST"),
                                    body=lambda w: {"plate": "豫N54321", "p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0",
                                                    "p-0-name": "x", "p-0-temperature": "36.5"}),
    "arrivals:checkpoint_places": obj(lambda w: {"pk": checkpoint_in(w).pk}),
    "api:checkpoint_list": listing(control=True),
    # 403: the walk's grid workers do not set up checkpoints (refused by role first); a district of another county
    # gets 404: tests/control/test_checkpoint_api.py::test_a_district_cannot_open_a_checkpoint_in_another_county.
    "api:checkpoint_create": listing(body=lambda w: {"name": "x", "channel": "road", "area_code": w.county.code}, expect=403),
    "api:passage_create": obj(lambda w: {"pk": checkpoint_in(w).pk}, body=_passage_body, role="checkpoint"),
    "api:passage_list": obj(lambda w: {"pk": checkpoint_in(w).pk}),
    "api:checkpoint_counts": listing(control=True),
    "api:checkpoint_day_counts": obj(lambda w: {"pk": checkpoint_in(w).pk}),
})


# ---------------------------------------------------------------------------
# Capability 2 and 4, public pages: self-declaration by QR poster, personal check-in links
# ---------------------------------------------------------------------------


def public(reason: str, kwargs: Callable[[World], dict], *, methods: tuple[str, ...] = ("GET",), body=None) -> Sample:
    """A no-login page whose signed URL token is the only credential. Walked anonymously and as another
    area's user: it must never answer 5xx nor show a person, a household or an ID number of any area."""
    return Sample("public", kwargs=kwargs, methods=methods, body=body, reason=reason)


def declaration_in(w: World):
    from fangkong.arrivals.services import DeclarationInput, declaration_submit

    if not hasattr(w, "_declaration"):
        data = DeclarationInput(name=f"{MARK}报备人", id_type="resident_id", id_number=make_id_number("411403", "19850505", "321"),
                                phone="13600005555", category="returnee", origin_code="", origin_name=f"{MARK}来处",
                                arrived_on=dt.date.today(), address=f"{MARK}不明地址")
        w._declaration = declaration_submit(community=w.tree["village_b"], data=data).declaration
    return w._declaration


def checkin_link_in(w: World):
    from fangkong.control.services import checkin_link_issue

    if not hasattr(w, "_checkin_link"):
        w._checkin_link = checkin_link_issue(by=w.user, order=w.make_order())
    return w._checkin_link


def declare_token(w: World) -> dict:
    from fangkong.arrivals.selectors import declaration_token

    return {"token": declaration_token(w.tree["village_b"])}


def checkin_token_of(w: World) -> dict:
    from fangkong.control.public_tokens import checkin_token

    link = checkin_link_in(w)
    return {"token": checkin_token(link.pk, link.nonce)}


SAMPLES.update({
    "public:declare": public("arrivals declare themselves from a community's QR poster without an account; the page "
                             "shows the community's name and public division names only; rate limited, honeypot, "
                             "signed render time; tested in tests/control/test_public_pages.py",
                             declare_token, methods=("GET", "POST"), body=lambda w: {"name": "x", "id_number": ID_B}),
    "public:declare_places": public("the origin picker of the declaration page: public division names down to "
                                    "townships, nothing below", declare_token),
    "public:checkin": public("a person under a control order checks in through their personal link without an "
                             "account; it shows only their masked name and today's status",
                             checkin_token_of, methods=("GET", "POST"), body=lambda w: {"temperature": "36.5"}),
    "arrivals:declare_posters": listing(control=True),
    "arrivals:declare_poster": obj(lambda w: {"code": w.tree["village_b"].code}),
    "arrivals:declare_poster_svg": obj(lambda w: {"code": w.tree["village_b"].code}),
    "arrivals:declare_poster_rotate": obj(lambda w: {"code": w.tree["village_b"].code}, methods=("POST",)),
    "arrivals:declaration_confirm": obj(lambda w: {"pk": declaration_in(w).pk}, methods=("GET", "POST"),
                                       body=lambda w: {"household": w.household.pk}),
    "control:checkin_link": obj(lambda w: {"pk": w.make_order().pk}, methods=("GET", "POST"), body=lambda w: {"action": "issue"}),
    "api:checkin_link_issue": obj(lambda w: {"pk": w.make_order().pk}),
    "api:checkin_link_revoke": obj(lambda w: {"pk": w.make_order().pk}),
})


# --- arrivals import: 协查 lists and sheets (issue 4 capability 2) ---


def arrival_batch_in(w: World):
    """A done 协查 batch of county B, with one row registered for its person."""
    from fangkong.arrivals.models import ArrivalImportRow
    from fangkong.imports.models import ImportBatch

    batch = ImportBatch.objects.create(kind="xiecha", filename=f"{MARK}.csv", sha256="0" * 64, uploaded_by=w.user,
                                       area_code=w.county.code, status="done")
    ArrivalImportRow.objects.create(batch=batch, row_number=2, area_code=w.county.code, reference=f"{MARK}-{batch.pk}",
                                    outcome="matched", person=w.person, arrival=w.make_order().arrival)
    return batch


def with_arrival_batch(w: World) -> dict:
    """No body; makes sure county B has a batch, so the list routes' control user has something to see."""
    if not hasattr(w, "_arrival_batch"):
        w._arrival_batch = arrival_batch_in(w)
    return {}


SAMPLES.update({
    "arrivals:arrival_import": listing(methods=("GET", "POST"), body=with_arrival_batch, control=True),
    "arrivals:arrival_import_template": listing(),
    "arrivals:arrival_import_status": obj(lambda w: {"pk": arrival_batch_in(w).pk}),
    "arrivals:arrival_import_errors": obj(lambda w: {"pk": arrival_batch_in(w).pk}),
    "arrivals:arrival_import_feedback": obj(lambda w: {"pk": arrival_batch_in(w).pk, "fmt": "csv"}),
    "api:arrival_import_upload": listing(),
    "api:arrival_import_list": listing(body=with_arrival_batch, control=True),
    "api:arrival_import_status": obj(lambda w: {"pk": arrival_batch_in(w).pk}),
    "api:arrival_import_feedback": obj(lambda w: {"pk": arrival_batch_in(w).pk}),
})


# ---------------------------------------------------------------------------
# Capability 8: gatherings (聚集性活动报批). County B's applications, made through the real services.
# ---------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n% gathering plan\n"


def gathering_in(w: World, *, approved: bool = False, with_file: bool = False):
    """An application for an event in county B's village, submitted by county B's user; approved by its township."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from fangkong.gatherings import services as gatherings_services

    key = f"_gathering_{approved}_{with_file}"
    if not hasattr(w, key):
        start = timezone.now() + dt.timedelta(days=3)
        upload = SimpleUploadedFile("plan.pdf", PDF_BYTES, content_type="application/pdf") if with_file else None
        g = gatherings_services.gathering_submit(
            by=w.user, area=w.tree["village_b"], title=f"{MARK}婚礼", kind="wedding", organiser=f"{MARK}家",
            contact_name="张三", contact_phone="13812345678", venue=f"{MARK}礼堂", starts_at=start,
            ends_at=start + dt.timedelta(hours=4), expected_attendance=120, plan_text="验码、测温、登记", plan_file=upload,
        )
        if approved:
            township = make_user(f"town-b-{with_file}", w.tree["town_b"].code, "township")
            g = gatherings_services.gathering_approve(by=township, gathering=g)
            # Under way now, so it is on this month's calendar whatever the date.
            now = timezone.now()
            type(g).objects.filter(pk=g.pk).update(starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=1))
        setattr(w, key, g)
    return getattr(w, key)


def _gathering_body(w: World) -> dict:
    start = (dt.datetime.now() + dt.timedelta(days=5)).replace(microsecond=0)
    return {"area_code": w.tree["village_b"].code, "title": "x", "kind": "wedding", "organiser": "x", "contact_name": "x",
            "contact_phone": "13812345678", "venue": "x", "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=3)).isoformat(), "expected_attendance": 100, "plan_text": "x"}


SAMPLES.update({
    "gatherings:gatherings": listing(control=True),
    "gatherings:gathering_new": listing(methods=("GET", "POST"), body=_gathering_body),
    "gatherings:gatherings_pending": listing(),
    "gatherings:gatherings_calendar": listing(control=True),
    "gatherings:gathering": obj(lambda w: {"pk": gathering_in(w).pk}, methods=("GET", "POST"),
                             body=lambda w: {"reveal": "1", "reason": "x"}),
    "gatherings:gathering_decide": obj(lambda w: {"pk": gathering_in(w).pk}, methods=("POST",), body=lambda w: {"action": "withdraw"}),
    "gatherings:gathering_plan": obj(lambda w: {"pk": gathering_in(w, with_file=True).pk}),
    "api:gathering_list": listing(control=True),
    "api:gathering_submit": listing(body=_gathering_body, expect=404),
    "api:gathering_pending": listing(),
    "api:gathering_calendar": listing(control=True),
    "api:gathering_detail": obj(lambda w: {"pk": gathering_in(w).pk}),
    "api:gathering_approve": obj(lambda w: {"pk": gathering_in(w).pk}, role="township"),
    "api:gathering_reject": obj(lambda w: {"pk": gathering_in(w).pk}, body=lambda w: {"reason": "x"}, role="township"),
    "api:gathering_withdraw": obj(lambda w: {"pk": gathering_in(w).pk}),
    "api:gathering_cancel": obj(lambda w: {"pk": gathering_in(w, approved=True).pk}, body=lambda w: {"reason": "x"}),
    "api:gathering_plan_upload": obj(lambda w: {"pk": gathering_in(w).pk}),
    "api:gathering_plan_download": obj(lambda w: {"pk": gathering_in(w, with_file=True).pk}),
})


# ---------------------------------------------------------------------------
# The walk itself
# ---------------------------------------------------------------------------

# County B's records are numbered from here (every table's id sequence is moved before they are written),
# so an id of theirs on a page of county A cannot be a coincidence: no record of A gets a 7-digit id in a test.
ID_BASE = 7_000_000
B_ID = re.compile(r"(?<![\w.%-])7\d{6}(?![\w])")
# Query parameters a view or an endpoint might read to pick records; filled with county B's values.
VIEW_QUERY = ("area", "area_code", "code", "household", "household_id", "person", "person_id", "q")
SEARCH_TEXT = MARK[:2]  # finds county B's names, which carry the whole MARK; an echo of the query does not


def _number_tables_from(base: int) -> None:
    """Move every table's id sequence to `base` (or just past its highest id, if higher): what is written next
    gets an id of seven digits. `base=1` brings the sequences back down (PostgreSQL's survive a rollback)."""
    with connection.cursor() as cur:
        for model in apps.get_models(include_auto_created=True):
            pk = model._meta.pk
            if pk.get_internal_type() not in {"AutoField", "BigAutoField", "SmallAutoField"}:
                continue
            table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(pk.column)
            cur.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")  # noqa: S608 (names from the models)
            following = max(base, cur.fetchone()[0] + 1)
            if connection.vendor == "postgresql":
                cur.execute("SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                            [model._meta.db_table, pk.column, following])
            else:  # Django's SQLite ids are AUTOINCREMENT: the next id is one above sqlite_sequence's
                cur.execute("DELETE FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
                cur.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [model._meta.db_table, following - 1])


@pytest.fixture
def small_ids(db):
    """Ids from 1 again, before county A's rows are made (list it before `tree`)."""
    _number_tables_from(1)



# ---------------------------------------------------------------------------
# Mass testing (issue 13): county B's campaign, site, a pooled tube with B's person, a box to a lab, a positive
# result (a recall, an order), a single tube with a positive result (a case to open).
# ---------------------------------------------------------------------------


def mass_testing_in(w: World):
    from fangkong.core.models import Unit
    from fangkong.testing import services as testing

    if not hasattr(w, "_testing"):
        today = dt.date.today()
        lab = Unit.objects.create(code="LAB-B", name=f"{MARK}实验室", kind="lab", area_code=w.county.code)
        lab_user = make_user("lab-b", w.county.code, "lab", unit=lab)
        chief = make_user("cdc-b", w.county.code, "cdc")
        campaign = testing.campaign_create(
            by=chief, name=f"{MARK}核酸", area_code=w.county.code,
            targets=[testing.TargetIn(w.county.code, dt.datetime.now(dt.UTC) + dt.timedelta(days=2))],
            rounds=[testing.RoundIn(today - dt.timedelta(days=1), today + dt.timedelta(days=1))], labs=[lab])
        site = testing.site_create(by=chief, campaign=campaign, area_code=w.grid.code, name=f"{MARK}采样点",
                                   opens_at=dt.time(7), closes_at=dt.time(20))
        tube = testing.tube_open(by=w.user, site=site, barcode="BT0001")
        testing.sample_add(by=w.user, tube=tube, person=w.person)
        box = testing.box_pack(by=w.user, site=site, code="BBOX01", lab=lab, barcodes=[tube.barcode])
        testing.box_receive(by=lab_user, box=box)
        tube.refresh_from_db()
        testing.result_record(by=lab_user, tube=tube, outcome="positive", tested_at=dt.datetime.now(dt.UTC))
        single = testing.tube_open(by=w.user, site=site, barcode="BS0001", kind="single")
        testing.sample_add(by=w.user, tube=single, person=w.person, reason=f"{MARK}复核")
        testing.box_receive(by=lab_user, box=testing.box_pack(by=w.user, site=site, code="BBOX02", lab=lab,
                                                              barcodes=[single.barcode]))
        single.refresh_from_db()
        testing.result_record(by=lab_user, tube=single, outcome="positive", tested_at=dt.datetime.now(dt.UTC))
        open_tube = testing.tube_open(by=w.user, site=site, barcode="BT0002")
        w._testing = {"campaign": campaign, "site": site, "tube": open_tube, "box": box, "lab": lab}
    return w._testing


SAMPLES.update({
    "api:campaign_list": listing(control=True),
    # the walk's users of county A who may set up campaigns get 404 for county B's area; the others 403 first
    "api:campaign_create": listing(body=lambda w: {
        "name": "x", "area_code": w.county.code, "targets": [{"area_code": w.county.code,
                                                               "deadline": "2030-01-01T00:00:00Z"}],
        "rounds": [{"starts_on": "2030-01-01", "ends_on": "2030-01-02"}]}, expect=404),
    "api:campaign_detail": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}),
    "api:site_list": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}),
    "api:site_create": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}, role="cdc", body=lambda w: {
        "area_code": w.grid.code, "name": "x", "opens_at": "07:00", "closes_at": "20:00"}),
    "api:coverage": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}),
    "api:not_tested": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}),
    "api:tube_open": obj(lambda w: {"pk": mass_testing_in(w)["site"].pk}, body=lambda w: {"barcode": "BT0099"}),
    "api:sample_add": obj(lambda w: {"pk": mass_testing_in(w)["tube"].pk}, body=lambda w: {"code": "x"}),
    "api:tube_close": obj(lambda w: {"pk": mass_testing_in(w)["tube"].pk}),
    "api:box_pack": obj(lambda w: {"pk": mass_testing_in(w)["site"].pk}, body=lambda w: {
        "code": "BBOX09", "lab": "LAB-B", "barcodes": ["BT0002"]}),
    "api:box_receive": obj(lambda w: {"pk": mass_testing_in(w)["box"].pk}, role="lab"),
    "api:lab_boxes": listing(),
    "api:result_record": listing(body=lambda w: {"barcode": "BT0001", "result": "negative"}, expect=404),
    "api:results_import": listing(body=lambda w: {}),
    "api:recall_list": listing(control=True),
    "api:case_lead_list": listing(control=True),
    "api:person_tests": obj(lambda w: {"pk": w.person.pk}),
    "api:stuck": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}),
    "api:turnaround": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}),
    "api:pool_size": listing(),
    "api:plan": listing(),
    "testing:campaigns": listing(control=True, methods=("GET", "POST"), body=lambda w: {
        "name": "x", "area_code": w.county.code, "deadline": "2030-01-01", "starts_on": "2030-01-01",
        "ends_on": "2030-01-02"}),
    "testing:campaign": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}, methods=("GET", "POST"),
                            body=lambda w: {"name": "x", "area_code": w.grid.code, "opens_at": "07:00",
                                            "closes_at": "20:00"}),
    "testing:not_tested": obj(lambda w: {"pk": mass_testing_in(w)["campaign"].pk}),
    "testing:sample": obj(lambda w: {"pk": mass_testing_in(w)["site"].pk}, methods=("GET", "POST"),
                          body=lambda w: {"barcode": "BT0098"}),
    "testing:lab": listing(methods=("GET", "POST"), body=lambda w: {"barcode": "BT0001", "result": "negative"}),
})


def seed(w: World, city_user) -> World:
    """One record of every kind that holds personal or area data, in county B, through the services where they exist."""
    from fangkong.arrivals.services import poster_rotate
    from fangkong.core.access import log_access
    from fangkong.core.crypto import seal
    from fangkong.imports.models import ImportReject

    w.household = services.household_create(user=city_user, area=w.grid, address=f"{MARK}路1号")
    w.person = services.person_create(
        user=city_user, household=w.household, name=f"{MARK}人", id_number=ID_B, phone="13600001234"
    )
    w.responsible = Responsible.objects.create(
        area=w.grid, area_code=w.grid.code, tier="grid_worker", name=f"{MARK}员", phone="13700002222"
    )
    w.make_escalation()  # arrival, order, measures, test days, a check-in, a fever escalation, the health code
    w.make_team_member()
    w.make_shift()
    batch = w.make_import_batch()
    ImportReject.objects.create(batch=batch, row_number=2, column="name", reason=f"{MARK}理由",
                                raw_sealed=seal(json.dumps({"name": f"{MARK}人"})))
    w.make_duplicate()
    transfer_in(w)
    checkpoint_in(w)  # with a passage and its passenger
    declaration_in(w)
    checkin_link_in(w)
    gathering_in(w, approved=True)
    gathering_in(w, with_file=True)
    with_arrival_batch(w)
    mass_testing_in(w)
    poster_rotate(by=city_user, community=w.tree["village_b"])
    log_access(user=w.user, action="view_unmasked", object_type="person", object_id=str(w.person.pk), reason=f"{MARK}回访")
    ApiToken.issue(w.user, name=f"{MARK}令牌")
    return w


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # gathering plan files
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a dozen users; hashing is tested elsewhere
    settings.FANGKONG_REQUIRE_OTP = False  # the admin's TOTP is tested in tests/core; here the staff user walks it


@pytest.fixture
def world(small_ids, tree, city_user) -> World:
    _number_tables_from(ID_BASE)
    return seed(World(tree=tree, user=make_user("bert", tree["county_b"].code, "grid_worker")), city_user)


@dataclass
class Viewer:
    """A user of county A with a logged-in browser and an API token, reused across the walk's requests."""

    user: object
    web: Client
    api: Client
    headers: dict

    @classmethod
    def of(cls, user) -> Viewer:
        web = Client()
        web.force_login(user)
        _, token = ApiToken.issue(user)
        return cls(user, web, Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"})


def viewers_of_county_a(tree) -> list[Viewer]:
    """A user of every role, bound to county A (made before county B is seeded, so their ids are small)."""
    return [Viewer.of(make_user(f"a-{role}", tree["county_a"].code, role)) for role in Role.values]


def _request(who: Viewer, route: Route, sample: Sample | None, w: World, method: str, kwargs: dict | None = None,
             query: dict | None = None):
    if method == "GET":
        return _send(who, route, sample, w, method, kwargs, query)
    # What a post writes (a risk area, a profile switch: city-wide, for roles allowed to) is undone, so that it
    # cannot show on the next route's page as if it were another area's.
    with transaction.atomic():
        response = _send(who, route, sample, w, method, kwargs, query)
        response.walk_text = _text(response)
        transaction.set_rollback(True)
    return response


def _send(who: Viewer, route: Route, sample: Sample | None, w: World, method: str, kwargs: dict | None,
          query: dict | None):
    url = reverse(route.name, kwargs=kwargs) if kwargs else reverse(route.name)
    if route.namespace == "api":
        if method == "GET":
            return who.api.get(url, query or {}, **who.headers)
        body = sample.body(w) if sample and sample.body else {}
        url += "?" + urlencode(query) if query else ""
        return who.api.generic(method, url, json.dumps(body), content_type="application/json", **who.headers)
    if method == "GET":
        return who.web.get(url, query or {})
    # A form post may log out or switch the language: it gets a browser of its own.
    client = Client()
    client.force_login(who.user)
    body = sample.body(w) if sample and sample.body else {}
    return client.generic(method, url, urlencode(body, doseq=True), content_type="application/x-www-form-urlencoded")


def _text(response) -> str:
    """The body as a reader sees it: JSON re-serialised without \\u escapes, so Chinese markers match;
    a streamed file read whole, and a spreadsheet (a zip of XML) read through its parts."""
    if hasattr(response, "walk_text"):  # read inside the post's rolled-back transaction
        return response.walk_text
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if data.startswith(b"PK\x03\x04"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    raw = data.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            return json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            return raw
    return raw


# What differs between two identical requests: the CSRF token, CSP nonces, the clock.
_VOLATILE = [
    (re.compile(r'(csrfmiddlewaretoken" value="|csrf-token" content="|"X-CSRFToken": ")[^"]+'), r"\1…"),
    (re.compile(r'nonce="[^"]+"'), 'nonce="…"'),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:?\d\d|Z)?"), "…time…"),
    (re.compile(r"\b\d\d:\d\d(:\d\d)?\b"), "…time…"),
]


def _stable(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _methods(route: Route, sample: Sample) -> tuple[str, ...]:
    return route.methods or sample.methods or ("GET",)


def sample_of(route: Route) -> Sample | None:
    """A route's entry; a route without kwargs and without an entry is walked as a list (GET for a view)."""
    if route.name in SAMPLES:
        return SAMPLES[route.name]
    return None if route.has_kwargs else listing()


_OPENAPI: dict = {}


def query_names(route: Route, url: str, method: str) -> tuple[str, ...]:
    """The query parameters a route reads: from the OpenAPI operation for the API, the usual names for a view."""
    if route.namespace != "api":
        return VIEW_QUERY
    if not _OPENAPI:
        _OPENAPI.update(api.get_openapi_schema()["paths"])
    operation = _OPENAPI.get(url, {}).get(method.lower(), {})
    return tuple(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")


def hostile_query(names: tuple[str, ...], w: World, *, with_ids: bool) -> dict:
    """County B's values for the parameters that pick records: its area codes, its search text and, once its
    records exist, their ids."""
    query = {}
    for name in names:
        if name in {"area", "area_code", "code"}:
            query[name] = w.county.code
        elif name in {"q", "name", "address"}:
            query[name] = SEARCH_TEXT
        elif with_ids and "household" in name:
            query[name] = w.household.pk
        elif with_ids and "person" in name:
            query[name] = w.person.pk
    return query


def _list_requests(routes: list[Route], w: World, *, with_ids: bool, gets_only: bool):
    """(key, route, sample, method, query) of every list request of the walk: each method plain, and GETs again
    with county B's values in their query parameters."""
    for route in routes:
        sample = sample_of(route)
        if sample is None or sample.kind != "list":
            continue
        fixed = sample.kwargs(w) if sample.kwargs else None
        url = reverse(route.name, kwargs=fixed) if fixed else reverse(route.name)
        for method in _methods(route, sample):
            if gets_only and method != "GET":
                continue
            yield f"{method} {route.name}", route, sample, method, fixed, None
            query = hostile_query(query_names(route, url, method), w, with_ids=with_ids) if method == "GET" else {}
            if query:
                yield f"{method} {route.name}?{urlencode(query)}", route, sample, method, fixed, query


def snapshot(who: Viewer, routes: list[Route], w: World) -> dict[str, str]:
    """What a viewer's lists, counts and exports show, for comparison after county B fills up."""
    return {key: f"{r.status_code}\n{_stable(_text(r))}"
            for key, route, sample, method, fixed, query in _list_requests(routes, w, with_ids=False, gets_only=True)
            for r in [_request(who, route, sample, w, method, fixed, query)]}


def _first_difference(before: str, after: str) -> str:
    at = next((i for i, (x, y) in enumerate(zip(before, after, strict=False)) if x != y), min(len(before), len(after)))
    return f"…{before[max(0, at - 60):at + 60]!r} became …{after[max(0, at - 60):at + 60]!r}"


def _around(text: str, leaked: list[str]) -> str:
    """Where the first leaked value shows, for the failure message."""
    at = text.find(leaked[0]) if leaked else -1
    return f" in …{text[max(0, at - 80):at + 40]!r}…" if at >= 0 else ""


def walk_lists(who: Viewer, routes: list[Route], w: World, before: dict[str, str] | None = None) -> list[str]:
    """Every list, search, count, aggregate, export and form route, as a user of county A: none may show a name,
    a code or an id of county B's records, and (given `before`, taken before B was seeded) none may change at all."""
    failures, markers = [], w.markers()
    for key, route, sample, method, fixed, query in _list_requests(routes, w, with_ids=True, gets_only=False):
        r = _request(who, route, sample, w, method, fixed, query)
        text = _text(r)
        if r.status_code >= 500:
            failures.append(f"{key}: {r.status_code}")
        refused = {403, 404} if sample.expect in {403, 404} else {sample.expect}  # by role or by area: both say nothing
        if sample.expect is not None and r.status_code not in refused and not query:
            failures.append(f"{key}: {r.status_code}, expected {sample.expect}")
        leaked = [m for m in markers if m in text]
        # An id sent in the query may come back in a link to the next page, and a write the viewer may make
        # answers with its new record's id (numbered like B's): neither reveals anything.
        if not query and (method == "GET" or r.status_code >= 300):
            leaked += sorted(set(B_ID.findall(text)))
        if leaked:
            failures.append(f"{key}: shows {leaked} of another area{_around(text, leaked)}")
        seen = f"{r.status_code}\n{_stable(text)}"
        if before is not None and key in before and before[key] != seen:
            failures.append(f"{key}: changed when another area's records were added: {_first_difference(before[key], seen)}")
    return failures


def walk_objects(who: Viewer, routes: list[Route], w: World, kwargs_of: dict[str, dict]) -> list[str]:
    """Every route that takes an object, with county B's object: 404 for every method it serves."""
    failures = []
    for route in routes:
        sample = sample_of(route)
        if sample is None or sample.kind != "object":
            continue
        kwargs = kwargs_of.setdefault(route.name, sample.kwargs(w))
        for method in _methods(route, sample):
            r = _request(who, route, sample, w, method, kwargs)
            # 403: the role lacks the route's action, refused before any object is read (core/permissions.py)
            if r.status_code not in {403, 404}:
                failures.append(f"{method} {route.name} {kwargs}: {r.status_code}, expected 404")
            text = _text(r)
            leaked = [m for m in w.markers() if m in text]
            if leaked:
                failures.append(f"{method} {route.name} {kwargs}: shows {leaked} of another area{_around(text, leaked)}")
    return failures


def controls(owner: Viewer, routes: list[Route], w: World, kwargs_of: dict[str, dict]) -> list[str]:
    """County B's own user sees its objects and, on a `control` list, its markers: so a 404 or a clean list of
    the walk means what it says, and a broken sample cannot pass silently."""
    failures, markers = [], w.markers()
    for route in routes:
        sample = sample_of(route)
        if sample is None or "GET" not in _methods(route, sample):
            continue
        if sample.kind == "object":
            kwargs = kwargs_of.setdefault(route.name, sample.kwargs(w))
            who = Viewer.of(make_user(f"b-{route.name}", w.county.code, sample.role)) if sample.role else owner
            if _request(who, route, sample, w, "GET", kwargs).status_code == 404:
                failures.append(f"{route.name}: the sample is not visible to its own area's user either (broken sample)")
        elif sample.kind == "list" and sample.control:
            own = _text(_request(owner, route, sample, w, "GET", sample.kwargs(w) if sample.kwargs else None))
            if not any(m in own for m in markers):
                failures.append(f"GET {route.name}: the control user of county B sees none of its own data")
    return failures


def walk_admin(staff: Viewer, w: World, models: list | None = None) -> list[str]:
    """Every admin changelist (plain and searched) and the change, history and delete pages of county B's records,
    as a staff user of county A: none may show a name, a code or an id of county B's records."""
    failures, markers = [], w.markers()
    for model in admin.site._registry:
        if models is not None and model not in models:
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [(f"{info}_changelist", (), {}), (f"{info}_changelist", (), {"q": SEARCH_TEXT})]
        pages += [(f"{info}_{view}", (pk,), {}) for pk in
                  model._default_manager.filter(pk__gte=ID_BASE).values_list("pk", flat=True)[:3]
                  for view in ("change", "history", "delete")]
        for name, args, query in pages:
            try:
                url = reverse(name, args=args)
            except NoReverseMatch:
                continue
            # Followed, so that the "does not exist" message (which names the id asked for) shows on this page.
            r = staff.web.get(url, query, follow=bool(args))
            if name.endswith("changelist") and r.status_code != 200:
                failures.append(f"{url}: {r.status_code}, the staff user cannot open it (the walk would prove nothing)")
            text = _text(r)
            leaked = [m for m in markers if m in text] + sorted(set(B_ID.findall(text)) - {str(a) for a in args})
            if leaked or (args and r.status_code == 200 and not r.redirect_chain):
                failures.append(f"{url}?{urlencode(query)}: {r.status_code}, shows {leaked} of another area"
                                f"{_around(text, leaked)}")
    return failures


def test_every_route_with_kwargs_has_a_sample_entry():
    missing = [r.name for r in all_routes() if r.has_kwargs and r.name not in SAMPLES]
    assert not missing, (
        "routes that take an object need an entry in tests/test_scoping_walk.py SAMPLES (one line each; see the "
        "docstring): " + ", ".join(missing)
    )


def test_routes_with_kwargs_are_walked_as_objects():
    wrong = [r.name for r in all_routes()
             if r.name in SAMPLES and SAMPLES[r.name].kind == "list" and r.has_kwargs and SAMPLES[r.name].kwargs is None]
    wrong += [r.name for r in all_routes() if r.name in SAMPLES and SAMPLES[r.name].kind == "object" and not r.has_kwargs]
    assert not wrong, f"an object route needs obj(...), a route without kwargs listing(...): {wrong}"


def test_no_sample_names_a_route_that_is_gone():
    names = {r.name for r in all_routes()}
    assert not set(SAMPLES) - names, f"SAMPLES has entries for routes that no longer exist: {set(SAMPLES) - names}"


def test_users_of_every_role_see_nothing_of_another_area(small_ids, tree, city_user):
    """County A's users (every role) before and after county B fills with one record of every kind: their lists,
    counts and exports do not change and show none of B's names, codes or ids; B's objects answer 404."""
    routes = all_routes()
    w = World(tree=tree, user=make_user("bert", tree["county_b"].code, "grid_worker"))
    viewers = viewers_of_county_a(tree)
    before = {v.user.role: snapshot(v, routes, w) for v in viewers}
    _number_tables_from(ID_BASE)
    seed(w, city_user)
    kwargs_of: dict[str, dict] = {}
    failures = controls(Viewer.of(w.user), routes, w, kwargs_of)
    for v in viewers:
        failures += [f"[{v.user.role}] {f}" for f in walk_lists(v, routes, w, before[v.user.role])]
        failures += [f"[{v.user.role}] {f}" for f in walk_objects(v, routes, w, kwargs_of)]
    assert not failures, "\n".join(failures)


def test_staff_of_one_area_see_nothing_of_another_in_the_admin(small_ids, tree, city_user):
    staff = Viewer.of(make_user("a-staff", tree["county_a"].code, "city_command", is_staff=True, is_superuser=True))
    city_staff = Viewer.of(make_user("city-staff", tree["city"].code, "city_command", is_staff=True, is_superuser=True))
    _number_tables_from(ID_BASE)
    w = seed(World(tree=tree, user=make_user("bert", tree["county_b"].code, "grid_worker")), city_user)
    failures = walk_admin(staff, w)
    assert not failures, "\n".join(failures)
    # Control: the city's staff do see county B's records there, so the walk's markers and ids are the right ones.
    seen = "\n".join(walk_admin(city_staff, w))
    for page in ("core/user", "core/accesslog", "core/apitoken", "arrivals/checkpoint", "gatherings/gathering"):
        assert f"/admin/{page}/?" in seen and f"/admin/{page}/7" in seen, page


def test_public_routes_show_no_personal_data(world, user_a):
    """The community's name may show (it is printed on the poster); a person, household or ID number never."""
    failures = []
    markers = [MARK, world.household.code, ID_B, ID_B[-6:], world.person.name]
    for route in all_routes():
        sample = SAMPLES.get(route.name)
        if sample is None or sample.kind != "public":
            continue
        if not sample.reason:
            failures.append(f"{route.name}: a public route needs its reason")
        kwargs = sample.kwargs(world)
        url = reverse(route.name, kwargs=kwargs)
        for who in (None, user_a):
            client = Client()
            if who is not None:
                client.force_login(who)
            for method in sample.methods:
                body = "&".join(f"{k}={v}" for k, v in (sample.body(world) if sample.body else {}).items())
                r = client.get(url) if method == "GET" else client.generic(
                    method, url, body, content_type="application/x-www-form-urlencoded")
                if r.status_code >= 500:
                    failures.append(f"{method} {route.name}: {r.status_code}")
                if method == "GET" and r.status_code != 200:
                    failures.append(f"GET {route.name}: {r.status_code}, the sample token should open the page")
                leaked = [m for m in markers if m in _text(r)]
                if leaked:
                    failures.append(f"{method} {route.name}: shows {leaked}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------
# The walk can fail: routes that forget the scoping, added at test time
# ---------------------------------------------------------------------------


def _leak_names(request):
    """A list that forgot scope()."""
    from fangkong.people.models import Person

    return JsonResponse({"names": list(Person.objects.values_list("name", flat=True))})


def _leak_count(request):
    """A count that forgot scope(): no name, no id, only a number that grows with another area's records."""
    from fangkong.people.models import Household

    return JsonResponse({"households": Household.objects.count()})


def _leak_by_query(request):
    """A filter that trusts the household id in its query string."""
    from fangkong.people.models import Household

    found = Household.objects.filter(pk=request.GET.get("household") or 0).values("address").first()
    return JsonResponse({"household": found})


def _leak_detail(request, pk: int):
    """A detail page that fetches by id without get_scoped_or_404."""
    from fangkong.people.models import Person

    return JsonResponse({"found": Person.objects.filter(pk=pk).exists()})


class LeakyUrls:
    """The project's URLs and four that forget the scoping, as a ROOT_URLCONF."""

    from fangkong.urls import urlpatterns as _project

    urlpatterns = [*_project,
                   path("leak/names/", _leak_names, name="leak_names"),
                   path("leak/count/", _leak_count, name="leak_count"),
                   path("leak/by-query/", _leak_by_query, name="leak_by_query"),
                   path("leak/<int:pk>/", _leak_detail, name="leak_detail")]


def test_the_walk_reports_routes_that_forget_the_scoping(small_ids, tree, city_user, settings, monkeypatch):
    from fangkong.gatherings.models import Gathering

    settings.ROOT_URLCONF = LeakyUrls
    monkeypatch.setitem(SAMPLES, "leak_detail", obj(lambda w: {"pk": w.person.pk}))
    routes = [r for r in all_routes() if r.name.startswith("leak_")]
    assert len(routes) == 4, "the resolver walk does not see routes added to the URLconf"
    viewer = Viewer.of(make_user("a-grid", tree["county_a"].code, "grid_worker"))
    staff = Viewer.of(make_user("a-staff", tree["county_a"].code, "city_command", is_staff=True, is_superuser=True))
    w = World(tree=tree, user=make_user("bert", tree["county_b"].code, "grid_worker"))
    before = snapshot(viewer, routes, w)
    _number_tables_from(ID_BASE)
    seed(w, city_user)
    # An admin that forgot the mixin: Django's own queryset, every area's rows.
    gathering_admin = admin.site._registry[Gathering]
    monkeypatch.setattr(gathering_admin, "get_queryset", lambda request: Gathering.objects.all())

    found = "\n".join(walk_lists(viewer, routes, w, before) + walk_objects(viewer, routes, w, {})
                      + walk_admin(staff, w, models=[Gathering]))

    assert f"GET leak_names: shows ['{MARK}" in found  # names (no entry in SAMPLES needed)
    assert "GET leak_count: changed when another area's records were added" in found  # a bare count
    assert re.search(rf"GET leak_by_query\?\S*household={w.household.pk}\S*: shows \['{MARK}", found)  # an id in the query
    assert f"GET leak_detail {{'pk': {w.person.pk}}}: 200, expected 404" in found  # an object by id
    assert f"/admin/gatherings/gathering/?: 200, shows ['{MARK}" in found  # an admin changelist
