"""/api/v1/policy: the shipped profiles and the engine, for other systems and for checking a plan.

The engine is a pure function of (profile, facts), so evaluating is open to every signed-in user:
no personal data goes in or out (a fact's `id` is the caller's own label). Only shipped profiles
are reachable by name; a path never is.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from fangkong.core.api_support import Body, Documented, invalid, not_found, responses

from .engine import Facts, FactsInvalid, evaluate_all, parse_facts
from .profile import Profile, ProfileError, load_profile, shipped_profiles

router = Router(tags=["policy"])

MAX_FACTS = 1000

def facts_schema() -> dict:
    """The engine's Facts, with the categories that the shipped profiles know."""
    schema = Facts.model_json_schema()
    anchors: dict[str, set[str]] = {}  # category -> the date its plan counts from, in each shipped profile
    for name in shipped_profiles():
        try:
            profile = load_profile(name)
        except ProfileError:  # a broken file answers 422 when named (shipped()), not here at import
            continue
        for key, category in profile.categories.items():
            anchors.setdefault(key, set()).add(category.anchor)
    schema["properties"]["category"]["enum"] = sorted(anchors)
    # The engine's _day_one: an arrival's plan needs arrival_date, a contact's last_exposure_date.
    schema["allOf"] = [
        {"if": {"properties": {"category": {"enum": sorted(k for k, a in anchors.items() if anchor in a)}}},
         "then": {"required": [field], "properties": {field: {"type": "string"}}}}
        for anchor, field in (("arrival", "arrival_date"), ("exposure", "last_exposure_date"))
        if any(anchor in a for a in anchors.values())
    ]
    return schema


# The names that shipped() finds, listed in the schema (an enum) so that a client can tell a valid one beforehand.
ProfileName = Annotated[str, Documented(enum=shipped_profiles())]


class ProfileOut(Schema):
    name: str
    version: int
    title: str
    effective_from: dt.date
    source: str


class RuleOut(Schema):
    id: str
    explain: str
    measures: list[dict]
    requires_negative_test_within_days: int | None
    refuse_entry: bool
    checkins_per_day: int


class ProfileDetailOut(ProfileOut):
    parameters: dict
    categories: dict[str, str]
    health_colors: dict[str, list[str]]
    escalation: dict
    rules: list[RuleOut]


class PlannedMeasureOut(Schema):
    measure: str
    start: dt.date
    end: dt.date
    test_days: list[dt.date]


class PlanOut(Schema):
    id: str
    measures: list[PlannedMeasureOut]
    requires_negative_test_within_days: int | None
    refused_entry: bool
    explanation: str


class EvaluateIn(Body):
    profile: ProfileName = Field(max_length=64, description="a shipped profile name, e.g. national-9th-2022")
    # Read by parse_facts (its own error messages, per item); the schema shows the engine's Facts all the same.
    facts: list[dict] = Field(max_length=MAX_FACTS, description="the facts of `fangkong policy evaluate`",
                              json_schema_extra={"items": facts_schema()})


def shipped(name: str) -> Profile | None:
    """A shipped profile by name, None when there is none by that name."""
    if name not in shipped_profiles():
        return None
    try:
        return load_profile(name)
    except ProfileError as exc:  # a shipped file broken on this deployment: say so, do not 500
        raise invalid("profile", str(exc)) from exc


def summary(profile: Profile) -> dict:
    return {"name": profile.name, "version": profile.version, "title": profile.title,
            "effective_from": profile.effective_from, "source": profile.source}


@router.get("/profiles", response=responses({200: list[ProfileOut]}))
def profile_list(request):
    """The shipped profiles. Which one is in force: GET /api/v1/control/profile."""
    return [summary(load_profile(name)) for name in shipped_profiles()]


@router.get("/profiles/{name}", response=responses({200: ProfileDetailOut}))
def profile_detail(request, name: str):
    profile = shipped(name)
    if profile is None:
        raise not_found("name")
    return {
        **summary(profile),
        "parameters": profile.parameters,
        "categories": {key: c.label for key, c in profile.categories.items()},
        "health_colors": profile.health_colors.model_dump(),
        "escalation": profile.escalation.model_dump(),
        "rules": [{**r.model_dump(include={"id", "explain", "requires_negative_test_within_days", "refuse_entry",
                                           "checkins_per_day"}),
                   "measures": [m.model_dump() for m in r.measures]} for r in profile.rules],
    }


@router.post("/evaluate", response=responses({200: list[PlanOut]}))
def plans_evaluate(request, payload: EvaluateIn):
    """Derive the plan for each fact object, exactly as `fangkong policy evaluate --json` prints it."""
    profile = shipped(payload.profile)
    if profile is None:
        raise invalid("profile", _("no shipped profile named %(name)s; shipped: %(names)s") % {
            "name": payload.profile, "names": ", ".join(shipped_profiles())})
    try:
        plans = evaluate_all(profile, parse_facts(payload.facts))
    except FactsInvalid as exc:
        raise invalid("facts", "; ".join(exc.problems)) from exc
    return [plan.as_dict() for plan in plans]
