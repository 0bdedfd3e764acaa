"""The pooling maths and the planner: property tests over their formulas, and the CLI contracts."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.testing.planning import (
    PlanInvalid,
    best_pool_size,
    expected_tests,
    parse_plan,
    plan,
    suggest,
)

prevalences = st.floats(min_value=1e-9, max_value=1 - 1e-9, exclude_min=True, exclude_max=True)


@given(prevalences)
def test_the_chosen_pool_size_needs_no_more_tests_than_any_other(p):
    k, e = best_pool_size(p)
    if k == 1:
        assert e == 1.0
        assert all(expected_tests(p, j) >= 1.0 for j in range(2, 101))
    else:
        assert 2 <= k <= 100
        assert e == expected_tests(p, k) < 1.0
        assert all(e <= expected_tests(p, j) for j in range(2, 101))


@given(st.floats(min_value=0.31, max_value=1 - 1e-9, exclude_max=True))
def test_above_about_031_everyone_is_tested_singly(p):
    assert best_pool_size(p) == (1, 1.0)


@given(st.floats(min_value=1e-6, max_value=0.30))
def test_below_030_pooling_saves_tests(p):
    k, e = best_pool_size(p)
    assert k >= 2 and e < 1.0


def test_one_percent_prevalence_gives_pools_of_eleven():
    k, e = best_pool_size(0.01)
    assert k == 11
    assert round(e, 4) == round(1 / 11 + 1 - 0.99**11, 4) == 0.1956


@pytest.mark.parametrize("bad", [0, 1, -0.1, 1.5, math.nan, math.inf, True, "0.1"])
def test_a_prevalence_outside_zero_one_is_refused(bad):
    with pytest.raises(PlanInvalid, match="prevalence"):
        best_pool_size(bad)


counts = st.integers(min_value=1, max_value=10_000)
rates = st.floats(min_value=0.01, max_value=1_000, allow_nan=False)
plans = st.fixed_dictionaries({
    "population": st.integers(min_value=0, max_value=30_000_000),
    "sites": counts,
    "samplers_per_site": st.integers(min_value=1, max_value=50),
    "samples_per_sampler_per_hour": rates,
    "hours_per_day": st.floats(min_value=0.5, max_value=24),
    "pool_size": st.integers(min_value=1, max_value=20),
    "lab_tubes_per_day": st.integers(min_value=1, max_value=2_000_000),
    "deadline_days": st.floats(min_value=0.1, max_value=30),
})


@given(plans)
def test_the_planner_follows_the_contract_formulas(data):
    result = plan(parse_plan(data))
    rate = (data["sites"] * data["samplers_per_site"] * data["samples_per_sampler_per_hour"]
            * data["hours_per_day"])
    assert result.sampling_days == data["population"] / rate
    assert result.lab_days == math.ceil(data["population"] / data["pool_size"]) / data["lab_tubes_per_day"]
    assert result.days == max(result.sampling_days, result.lab_days)
    slower = "lab" if result.lab_days > result.sampling_days else "sampling"
    assert result.bottleneck == slower
    assert result.meets_deadline == (result.days <= data["deadline_days"])


@given(plans)
@settings(max_examples=200)
def test_each_suggested_change_meets_the_deadline_on_its_own(data):
    p = parse_plan(data)
    changes = suggest(p)
    if plan(p).meets_deadline:
        assert changes == []
        return
    assert changes, "a plan that misses its deadline gets at least one way to meet it"
    for change in changes:
        changed = parse_plan({**data, change.field: change.needed})
        assert plan(changed).days <= data["deadline_days"] + 1e-9 or (
            # one change fixes its own stage; the other stage may still be late
            (change.field == "lab_tubes_per_day" and plan(changed).lab_days <= data["deadline_days"])
            or (change.field != "lab_tubes_per_day" and plan(changed).sampling_days <= data["deadline_days"] + 1e-9))
        assert change.needed > change.current


@pytest.mark.parametrize(("data", "problem"), [
    ([], "JSON object"),
    ({"population": 10}, "sites: missing"),
    ({"population": -1, "sites": 1, "samplers_per_site": 1, "samples_per_sampler_per_hour": 1,
      "hours_per_day": 1, "pool_size": 1, "lab_tubes_per_day": 1, "deadline_days": 1}, "population: must be at least 0"),
    ({"population": 1.5, "sites": 1, "samplers_per_site": 1, "samples_per_sampler_per_hour": 1,
      "hours_per_day": 1, "pool_size": 1, "lab_tubes_per_day": 1, "deadline_days": 1}, "population: a whole number"),
    ({"population": 10, "sites": 0, "samplers_per_site": 1, "samples_per_sampler_per_hour": 1,
      "hours_per_day": 1, "pool_size": 1, "lab_tubes_per_day": 1, "deadline_days": 1}, "sites: must be at least 1"),
    ({"population": 10, "sites": 1, "samplers_per_site": 1, "samples_per_sampler_per_hour": 0,
      "hours_per_day": 1, "pool_size": 1, "lab_tubes_per_day": 1, "deadline_days": 1, "colour": 1},
     "colour: unknown field"),
    ({"population": 10**400, "sites": 1, "samplers_per_site": 1, "samples_per_sampler_per_hour": 1,
      "hours_per_day": 1, "pool_size": 1, "lab_tubes_per_day": 1, "deadline_days": 1}, "population: a finite number"),
])
def test_a_bad_plan_names_the_field(data, problem):
    with pytest.raises(PlanInvalid) as caught:
        parse_plan(data)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "fangkong.cli", "testing", *args], capture_output=True, text=True,
                          input=stdin, timeout=60)


def test_the_pool_size_command_prints_the_contract():
    done = run_cli("pool-size", "--prevalence", "0.01", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"pool_size": 11, "tests_per_person": best_pool_size(0.01)[1]}
    done = run_cli("pool-size", "--prevalence", "0.4", "--json")
    assert json.loads(done.stdout) == {"pool_size": 1, "tests_per_person": 1.0}


@pytest.mark.parametrize("bad", ["0", "1", "abc", "nan", "-0.2"])
def test_the_pool_size_command_refuses_a_bad_prevalence_without_a_traceback(bad):
    done = run_cli("pool-size", "--prevalence", bad, "--json")
    assert done.returncode != 0
    assert "prevalence" in done.stderr and "Traceback" not in done.stderr


def test_the_plan_command_prints_the_contract(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"population": 1_000_000, "sites": 100, "samplers_per_site": 4,
                                "samples_per_sampler_per_hour": 60, "hours_per_day": 12, "pool_size": 10,
                                "lab_tubes_per_day": 30_000, "deadline_days": 3}))
    done = run_cli("plan", "--input", str(path), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out == {"sampling_days": 1_000_000 / (100 * 4 * 60 * 12), "lab_days": 100_000 / 30_000,
                   "days": 1_000_000 / (100 * 4 * 60 * 12), "bottleneck": "sampling", "meets_deadline": False}


@pytest.mark.parametrize(("text", "says"), [
    ("{not json", "not valid JSON"),
    ('{"population": 5}', "sites: missing"),
    ('{"population": 5, "sites": 1, "samplers_per_site": 1, "samples_per_sampler_per_hour": 1, "hours_per_day": 1,'
     ' "pool_size": 1, "lab_tubes_per_day": 1, "deadline_days": 1, "transport_hours": 3}', "transport_hours: unknown"),
])
def test_the_plan_command_refuses_bad_input_without_a_traceback(tmp_path, text, says):
    path = tmp_path / "plan.json"
    path.write_text(text)
    done = run_cli("plan", "--input", str(path), "--json")
    assert done.returncode != 0
    assert says in done.stderr and "Traceback" not in done.stderr


def test_the_plan_command_names_a_missing_file(tmp_path):
    done = run_cli("plan", "--input", str(tmp_path / "nope.json"), "--json")
    assert done.returncode != 0 and "no such file" in done.stderr


extreme = st.floats(min_value=5e-324, max_value=1e12)


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=10**12), extreme, extreme,
       st.integers(min_value=1, max_value=100), extreme, st.floats(min_value=0, max_value=1e6))
def test_extreme_plans_are_answered_or_refused_never_crash(population, sites, rate, hours, pool, deadline, transport):
    data = {"population": population, "sites": sites, "samplers_per_site": 1, "samples_per_sampler_per_hour": rate,
            "hours_per_day": hours, "pool_size": pool, "lab_tubes_per_day": 1, "deadline_days": deadline,
            "transport_hours": transport}
    try:
        p = parse_plan(data)
        result = plan(p)
    except PlanInvalid as exc:
        assert exc.problems
        return
    assert math.isfinite(result.days)
    for change in suggest(p):
        assert math.isfinite(change.needed)
