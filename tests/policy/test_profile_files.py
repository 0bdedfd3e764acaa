import json
import subprocess
import sys

import pytest

from fangkong.policy.profile import PROFILE_DIR, ProfileError, load_profile, parse_profile, shipped_profiles


def test_both_editions_are_shipped_and_valid():
    assert {"seed-2021", "national-9th-2022"} <= set(shipped_profiles())
    for name in shipped_profiles():
        assert load_profile(name).name == name


def test_a_typo_in_a_measure_names_the_line_and_the_field():
    text = (PROFILE_DIR / "national-9th-2022.yaml").read_text(encoding="utf-8")
    broken = text.replace("{measure: home_isolation, days: 7, test_days: [1, 4, 7]}", "{measure: home_isolaton, days: 7, test_days: [1, 4, 7]}", 1)
    line = next(i for i, row in enumerate(broken.splitlines(), start=1) if "home_isolaton" in row)
    with pytest.raises(ProfileError) as info:
        parse_profile(broken, "typo.yaml")
    assert any(p.startswith(f"line {line}:") and "measures.0.measure" in p for p in info.value.problems), info.value.problems


def test_an_unknown_field_is_refused_not_ignored():
    text = (PROFILE_DIR / "seed-2021.yaml").read_text(encoding="utf-8").replace("checkins_per_day: 2", "checkin_per_day: 2", 1)
    with pytest.raises(ProfileError, match="checkin_per_day"):
        parse_profile(text)


def test_a_test_day_outside_its_measure_is_refused():
    text = (PROFILE_DIR / "seed-2021.yaml").read_text(encoding="utf-8").replace("days: 14, test_days: [1, 14]", "days: 14, test_days: [1, 15]", 1)
    with pytest.raises(ProfileError, match="test day 15 is outside"):
        parse_profile(text)


def test_a_rule_naming_an_unknown_category_is_refused():
    text = (PROFILE_DIR / "seed-2021.yaml").read_text(encoding="utf-8").replace("when: {category: close_contact}", "when: {category: close_contacts}", 1)
    with pytest.raises(ProfileError, match="unknown category 'close_contacts'"):
        parse_profile(text)


def test_broken_yaml_names_its_line():
    with pytest.raises(ProfileError, match="line 2"):
        parse_profile("name: x\n  - : [\n")


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "fangkong.cli", *args], capture_output=True, text=True, input=stdin, timeout=60)


def test_the_cli_prints_the_contract_shape(tmp_path):
    facts = [{"id": "c1", "category": "close_contact", "origin_risk": None, "arrival_date": None,
              "last_exposure_date": "2022-07-01", "negative_test_date": None, "released_from_centralized_isolation": False}]
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts))
    done = run_cli("policy", "evaluate", "--profile", "national-9th-2022", "--input", str(path), "--json")
    assert done.returncode == 0, done.stderr
    (out,) = json.loads(done.stdout)
    assert set(out) == {"id", "measures", "requires_negative_test_within_days", "refused_entry", "explanation"}
    assert out["measures"][0]["start"] == "2022-07-02"


def test_the_cli_rejects_bad_facts_naming_the_field(tmp_path):
    path = tmp_path / "facts.json"
    path.write_text(json.dumps([{"id": "r", "category": "returnee", "arrival_date": "yesterday"}]))
    done = run_cli("policy", "evaluate", "--profile", "seed-2021", "--input", str(path), "--json")
    assert done.returncode != 0
    assert "id=r: arrival_date" in done.stderr
