import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fangkong.policy.engine import Facts, FactsInvalid, evaluate, parse_facts
from fangkong.policy.profile import load_profile, shipped_profiles

NINTH = load_profile("national-9th-2022")
SEED = load_profile("seed-2021")
D = dt.date.fromisoformat


def plan(profile, **facts):
    return evaluate(profile, Facts(id="p1", **facts)).as_dict()


def schedule(result):
    return [(m["measure"], m["start"], m["end"], m["test_days"]) for m in result["measures"]]


def test_ninth_edition_close_contact_is_seven_plus_three():
    result = plan(NINTH, category="close_contact", last_exposure_date=D("2022-07-01"))
    assert schedule(result) == [
        ("centralized_isolation", "2022-07-02", "2022-07-08",
         ["2022-07-02", "2022-07-03", "2022-07-04", "2022-07-06", "2022-07-08"]),
        ("home_health_monitoring", "2022-07-09", "2022-07-11", ["2022-07-11"]),
    ]


def test_ninth_edition_inbound_traveller_is_seven_plus_three_from_arrival():
    result = plan(NINTH, category="inbound", arrival_date=D("2022-08-10"))
    assert schedule(result)[0] == (
        "centralized_isolation", "2022-08-10", "2022-08-16",
        ["2022-08-10", "2022-08-11", "2022-08-12", "2022-08-14", "2022-08-16"],
    )
    assert schedule(result)[1] == ("home_health_monitoring", "2022-08-17", "2022-08-19", ["2022-08-19"])


def test_ninth_edition_secondary_contact_is_seven_days_home_isolation_released_on_the_contacts_tests():
    result = evaluate(NINTH, Facts(id="s", category="secondary_contact", last_exposure_date=D("2022-07-01")))
    assert schedule(result.as_dict()) == [("home_isolation", "2022-07-02", "2022-07-08", ["2022-07-02", "2022-07-05", "2022-07-08"])]
    assert result.release_requires == ("linked_close_contact_first_two_tests_negative",)


@pytest.mark.parametrize(
    ("risk", "expected"),
    [
        ("high", [("centralized_isolation", "2022-09-01", "2022-09-07", ["2022-09-01", "2022-09-02", "2022-09-03", "2022-09-05", "2022-09-07"])]),
        ("medium", [("home_isolation", "2022-09-01", "2022-09-07", ["2022-09-01", "2022-09-04", "2022-09-07"])]),
    ],
)
def test_ninth_edition_risk_area_arrivals_follow_the_origin_level(risk, expected):
    assert schedule(plan(NINTH, category="risk_area_arrival", origin_risk=risk, arrival_date=D("2022-09-01"))) == expected


def test_ninth_edition_low_risk_arrival_gets_two_tests_in_three_days_a_day_apart():
    (measure,) = plan(NINTH, category="risk_area_arrival", origin_risk="low", arrival_date=D("2022-09-01"))["measures"]
    tests = [D(d) for d in measure["test_days"]]
    assert len(tests) == 2
    assert D("2022-09-01") <= tests[0] < tests[1] <= D("2022-09-03")
    assert (tests[1] - tests[0]).days >= 1


def test_seed_2021_medium_or_high_risk_arrival_is_fourteen_days_centralized_with_two_tests():
    for risk in ("medium", "high"):
        (measure,) = plan(SEED, category="risk_area_arrival", origin_risk=risk, arrival_date=D("2021-01-10"))["measures"]
        assert (measure["measure"], measure["start"], measure["end"]) == ("centralized_isolation", "2021-01-10", "2021-01-23")
        assert len(measure["test_days"]) == 2


def test_seed_2021_released_inbound_traveller_gets_fourteen_plus_two_home_isolation():
    result = plan(SEED, category="inbound", arrival_date=D("2021-02-01"), released_from_centralized_isolation=True)
    (measure,) = result["measures"]
    assert (measure["measure"], measure["start"], measure["end"]) == ("home_isolation", "2021-02-01", "2021-02-14")
    assert len(measure["test_days"]) == 2


def test_seed_2021_low_risk_returnee_needs_a_recent_negative_test_then_fourteen_days_monitoring():
    result = plan(SEED, category="returnee", origin_risk="low", arrival_date=D("2021-01-20"), negative_test_date=D("2021-01-15"))
    assert result["requires_negative_test_within_days"] == 7
    assert schedule(result) == [("home_health_monitoring", "2021-01-20", "2021-02-02", ["2021-01-26", "2021-02-02"])]


def test_seed_2021_returnee_without_a_valid_test_is_tested_on_arrival():
    stale = plan(SEED, category="returnee", origin_risk="low", arrival_date=D("2021-01-20"), negative_test_date=D("2021-01-01"))
    assert stale["measures"][0]["test_days"] == ["2021-01-20", "2021-01-26", "2021-02-02"]
    assert "补做核酸" in stale["explanation"]


def test_seed_2021_close_contact_is_fourteen_plus_seven():
    result = plan(SEED, category="close_contact", last_exposure_date=D("2021-05-31"))
    assert [(m[0], m[1], m[2]) for m in schedule(result)] == [
        ("centralized_isolation", "2021-06-01", "2021-06-14"),
        ("home_health_monitoring", "2021-06-15", "2021-06-21"),
    ]
    assert schedule(result)[1][3] == ["2021-06-16", "2021-06-21"]


def test_a_resident_gets_no_measure_and_an_explanation():
    result = plan(NINTH, category="resident")
    assert result["measures"] == []
    assert "no-measure" in result["explanation"]


def test_it_names_the_missing_anchor_date():
    with pytest.raises(FactsInvalid, match="last_exposure_date: required"):
        evaluate(NINTH, Facts(id="x", category="close_contact"))


def test_it_names_the_bad_field_of_each_bad_item():
    with pytest.raises(FactsInvalid) as info:
        parse_facts([{"id": "ok", "category": "resident"}, {"id": "bad", "category": "returnee", "arrival_date": "2021-13-01"},
                     {"id": "x", "category": "returnee", "origin_risk": "severe"}])
    text = str(info.value)
    assert "id=bad: arrival_date" in text
    assert "id=x: origin_risk" in text
    assert "id=ok" not in text


def test_unknown_category_lists_the_known_ones():
    with pytest.raises(FactsInvalid, match="unknown category 'tourist'.*close_contact"):
        evaluate(NINTH, Facts(id="t", category="tourist"))


categories = st.sampled_from(["inbound", "risk_area_arrival", "returnee", "close_contact", "secondary_contact", "resident"])
risks = st.sampled_from(["high", "medium", "low", None])
dates = st.dates(min_value=D("2020-01-01"), max_value=D("2023-12-31"))


@given(st.sampled_from(shipped_profiles()), categories, risks, dates, dates, st.none() | dates, st.booleans())
def test_every_plan_is_a_well_formed_schedule(name, category, risk, arrival, exposure, negative, released):
    profile = load_profile(name)
    facts = Facts(id="h", category=category, origin_risk=risk, arrival_date=arrival, last_exposure_date=exposure,
                  negative_test_date=negative, released_from_centralized_isolation=released)
    result = evaluate(profile, facts)
    anchor = profile.categories[category].anchor
    if result.measures:
        expected_day_one = arrival if anchor == "arrival" else exposure + dt.timedelta(days=1)
        assert result.measures[0].start == expected_day_one
    for before, after in zip(result.measures, result.measures[1:], strict=False):
        assert after.start == before.end + dt.timedelta(days=1)
    for measure in result.measures:
        assert measure.start <= measure.end
        assert all(measure.start <= d <= measure.end for d in measure.test_days)
        assert list(measure.test_days) == sorted(set(measure.test_days))
    assert result.explanation.startswith(f"{name} v")


@given(
    profile_name=st.sampled_from(["national-9th-2022", "seed-2021"]),
    category=st.sampled_from(["inbound", "risk_area_arrival", "returnee", "close_contact", "secondary_contact"]),
    risk=st.sampled_from([None, "low", "medium", "high"]),
    late=st.integers(min_value=0, max_value=30),
)
def test_a_late_registration_turns_past_test_days_into_one_catch_up_test(profile_name, category, risk, late):
    """Whatever the profile, category and delay: no test day before the registration; if any was dropped and a
    measure still runs that day, exactly one test falls on it; every later day is the plan's own."""
    profile = load_profile(profile_name)
    anchor = dt.date(2022, 6, 1)
    contact = category in ("close_contact", "secondary_contact")
    base = {"id": "p", "category": category, "origin_risk": risk,
            "arrival_date": None if contact else anchor, "last_exposure_date": anchor if contact else None}
    on_time = evaluate(profile, Facts(**base))
    registered = (anchor + dt.timedelta(days=late))
    plan = evaluate(profile, Facts(**base, registered_on=registered))
    planned = {d for m in on_time.measures for d in m.test_days}
    kept = {d for m in plan.measures for d in m.test_days}
    assert all(d >= registered for d in kept)
    assert {d for d in planned if d >= registered} <= kept
    dropped = any(d < registered for d in planned)
    running = any(m.start <= registered <= m.end for m in plan.measures)
    assert kept - planned <= ({registered} if dropped and running else set())
    if dropped and running:
        assert registered in kept
    assert [(m.measure, m.start, m.end) for m in plan.measures] == [(m.measure, m.start, m.end) for m in on_time.measures]
