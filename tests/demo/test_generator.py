"""The synthetic city as the generator produces it: pure, no database."""

from __future__ import annotations

import collections
import datetime as dt
import itertools

import pytest

from fangkong.core.ids import check_resident_id, normalize_mobile
from fangkong.demo import population as pop
from fangkong.demo.generator import (
    CityGenerator,
    allocate,
    is_urban,
    person_digest,
    read_divisions,
)
from fangkong.demo.geometry import bbox_of, split

DIVISIONS = read_divisions()


def city(people: int, seed: int = 7) -> CityGenerator:
    return CityGenerator(DIVISIONS, people=people, seed=seed)


@pytest.fixture(scope="module")
def sample():
    """20,000 people with their households and areas, generated once for this module."""
    gen = city(20_000)
    chunks = list(gen.villages())
    return gen, chunks


def persons_of(chunks):
    return [p for c in chunks for p in c.persons]


def years_between(older: dt.date, younger: dt.date) -> float:
    return (younger - older).days / 365.2425


def test_the_same_seed_gives_the_same_people():
    first = person_digest(p for c in city(3000, seed=11).villages() for p in c.persons)
    second = person_digest(p for c in city(3000, seed=11).villages() for p in c.persons)
    other = person_digest(p for c in city(3000, seed=12).villages() for p in c.persons)
    assert first == second
    assert first != other


def test_it_builds_exactly_the_number_of_people_asked(sample):
    _, chunks = sample
    assert len(persons_of(chunks)) == 20_000


def test_every_id_number_is_valid_and_agrees_with_birth_date_sex_and_county(sample):
    _, chunks = sample
    for p in persons_of(chunks):
        checked = check_resident_id(p.id_number, today=dt.date(2025, 11, 1))
        assert checked.valid, checked.reason
        assert checked.birth_date == p.birth_date
        assert checked.sex == p.sex
        assert p.id_number[:6] == p.area_code[:6]


def test_id_numbers_and_phones_never_repeat(sample):
    gen, chunks = sample
    people = persons_of(chunks)
    assert len({p.id_number for p in people}) == len(people)
    phones = [p.phone for p in people if p.phone] + [r.phone for c in chunks for r in c.responsibles]
    phones += [r.phone for r in gen.division_responsibles()]
    phones += [m.phone for team in gen.headquarters() for m in team.members]
    assert len(set(phones)) == len(phones)
    assert all(normalize_mobile(phone) == phone for phone in phones)


def test_most_adults_have_a_phone_and_small_children_none(sample):
    _, chunks = sample
    adults = [p for p in persons_of(chunks) if years_between(p.birth_date, dt.date(2025, 11, 1)) >= 18]
    assert sum(bool(p.phone) for p in adults) / len(adults) > 0.8
    toddlers = [p for p in persons_of(chunks) if years_between(p.birth_date, dt.date(2025, 11, 1)) < 10]
    assert not any(p.phone for p in toddlers)


def test_each_household_has_exactly_one_adult_head(sample):
    _, chunks = sample
    by_household = collections.defaultdict(list)
    for p in persons_of(chunks):
        by_household[p.household_code].append(p)
    assert len(by_household) == sum(len(c.households) for c in chunks)
    for members in by_household.values():
        heads = [p for p in members if p.relation == "户主"]
        assert len(heads) == 1
        assert years_between(heads[0].birth_date, dt.date(2025, 11, 1)) >= 18


def test_children_are_18_to_40_years_younger_than_their_parents(sample):
    _, chunks = sample
    by_household = collections.defaultdict(list)
    for p in persons_of(chunks):
        by_household[p.household_code].append(p)
    checked = 0
    for members in by_household.values():
        role = collections.defaultdict(list)
        for p in members:
            role[p.relation].append(p)
        couple = role["户主"] + role["配偶"]
        for child in role["子"] + role["女"]:
            for parent in couple:
                assert 18 <= years_between(parent.birth_date, child.birth_date) <= 40
                checked += 1
        for parent in role["父亲"] + role["母亲"]:
            assert 18 <= years_between(parent.birth_date, role["户主"][0].birth_date) <= 40
        if role["儿媳"]:
            for grandchild in role["孙子"] + role["孙女"]:
                for parent in role["子"] + role["儿媳"]:
                    assert 18 <= years_between(parent.birth_date, grandchild.birth_date) <= 40
    assert checked > 1000


def test_spouses_are_of_opposite_sex_and_similar_age(sample):
    _, chunks = sample
    by_household = collections.defaultdict(dict)
    for p in persons_of(chunks):
        by_household[p.household_code].setdefault(p.relation, p)
    couples = [(m["户主"], m["配偶"]) for m in by_household.values() if "配偶" in m]
    assert len(couples) > 2000
    for head, spouse in couples:
        assert head.sex != spouse.sex
        assert abs(years_between(head.birth_date, spouse.birth_date)) <= 10


def test_household_sizes_average_about_the_census_mean():
    people = households = 0
    sizes = collections.Counter()
    for chunk in city(150_000).villages():
        people += len(chunk.persons)
        households += len(chunk.households)
        sizes.update(collections.Counter(p.household_code for p in chunk.persons).values())
    assert 2.4 <= people / households <= 2.8
    assert min(sizes) == 1 and max(sizes) >= 8
    assert sizes[2] > sizes[4] > sizes[6]


def test_ages_follow_the_census_pyramid(sample):
    _, chunks = sample
    ref = dt.date(2025, 11, 1)
    groups = collections.Counter()
    people = persons_of(chunks)
    for p in people:
        age = int(years_between(p.birth_date, ref))
        groups[next(i for i, (lo, hi, _) in enumerate(pop.AGE_PYRAMID) if lo <= min(age, 99) <= hi)] += 1
    total = sum(share for _, _, share in pop.AGE_PYRAMID)
    distance = sum(abs(groups[i] / len(people) - share / total) for i, (_, _, share) in enumerate(pop.AGE_PYRAMID)) / 2
    assert distance < 0.09
    elderly = sum(groups[i] for i, (lo, _, _) in enumerate(pop.AGE_PYRAMID) if lo >= 60) / len(people)
    assert 0.14 < elderly < 0.24


def test_some_people_are_away_and_key_population_tags_are_rare(sample):
    _, chunks = sample
    people = persons_of(chunks)
    away = sum(p.residence == "away" for p in people) / len(people)
    assert 0.04 < away < 0.10  # about 500,000 of 7.8 million
    tags = collections.Counter(t for p in people for t in p.tags)
    for tag in ("student", "medical", "cold_chain"):
        assert 0 < tags[tag] / len(people) < 0.05
    assert tags["cold_chain"] < tags["medical"]


def test_urban_communities_hold_more_people_than_villages():
    counts = city(500_000).village_people()
    urban = [n for code, n in counts.items() if is_urban(code)]
    rural = [n for code, n in counts.items() if not is_urban(code)]
    assert sum(urban) / len(urban) > 3 * sum(rural) / len(rural)
    assert sum(counts.values()) == 500_000


def test_codes_extend_their_parent_codes(sample):
    _, chunks = sample
    for chunk in chunks:
        for a in chunk.areas:
            assert a.code.startswith(a.parent_code)
            assert len(a.code) == {6: 15, 7: 18}[a.level]
        for h in chunk.households:
            assert len(h.code) == len(h.area_code) + 4 and h.code.startswith(h.area_code)
        for p in chunk.persons:
            assert p.household_code.startswith(p.area_code)


def test_every_node_has_someone_responsible(sample):
    gen, chunks = sample
    answerable = {r.area_code for r in gen.division_responsibles()}
    answerable |= {r.area_code for c in chunks for r in c.responsibles}
    for d in gen.divisions:
        if d.level >= 2:
            assert d.code in answerable, d
    for chunk in chunks:
        for a in chunk.areas:
            assert a.code in answerable
        for h in chunk.households:
            assert h.responsible_area in answerable


def test_children_polygons_tile_their_parent(sample):
    gen, chunks = sample
    geometry = gen.division_geometries()
    for chunk in chunks[:300]:
        for a in chunk.areas:
            geometry[a.code] = a.geometry
    children = collections.defaultdict(list)
    for code in geometry:
        parent = {4: None, 6: code[:4], 9: code[:6], 12: code[:9], 15: code[:12], 18: code[:15]}.get(len(code))
        if parent in geometry:
            children[parent].append(code)
    assert len(geometry) > len(gen.divisions)

    def area(rect):
        w, s, e, n = rect
        return (e - w) * (n - s)

    for parent, kids in children.items():
        outer = bbox_of(geometry[parent])
        rects = [bbox_of(geometry[k]) for k in kids]
        for w, s, e, n in rects:
            assert outer[0] <= w < e <= outer[2] and outer[1] <= s < n <= outer[3]
        assert sum(area(r) for r in rects) == pytest.approx(area(outer), rel=1e-6)


def test_split_keeps_weights_and_order():
    rects = split((0.0, 0.0, 4.0, 1.0), [1, 1, 2])
    assert [round((r[2] - r[0]) * (r[3] - r[1]), 6) for r in rects] == [1.0, 1.0, 2.0]


def test_allocate_distributes_exactly():
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(allocate(12345, [0.3, 2.5, 1.1, 7])) == 12345
    assert allocate(0, [1, 2]) == [0, 0]


def test_tracing_teams_obey_the_size_rule():
    gen = city(0)
    teams = gen.headquarters()
    kinds = collections.Counter(t.kind for t in teams)
    assert kinds["office"] == 1 and kinds["group"] == 6 and kinds["task_force"] == 6
    tracing = {t.area_code: t for t in teams if t.kind == "tracing"}
    assert set(tracing) == {gen.city.code, *(c.code for c in gen.counties)}
    for code, team in tracing.items():
        size = len(team.members)
        if code in (gen.city.code, "411402", "411403"):
            assert size >= 60
        else:
            assert 30 <= size <= 50
        assert sum(m.is_police for m in team.members) >= 0.3 * size
        assert sum(m.is_lead for m in team.members) == 1


def test_the_duty_roster_covers_every_hour():
    gen = city(0)
    teams = gen.headquarters()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    shifts = gen.duty_roster(teams, start, days=2)
    for area_code in [gen.city.code, *(c.code for c in gen.counties)]:
        mine = sorted((s for s in shifts if s.area_code == area_code and s.post == "值班员"), key=lambda s: s.starts_at)
        assert mine[0].starts_at == start
        assert mine[-1].ends_at == start + dt.timedelta(days=2)
        for before, after in itertools.pairwise(mine):
            assert before.ends_at == after.starts_at


def test_a_county_is_the_same_whichever_counties_were_made_before_it(sample):
    _, chunks = sample
    last = city(20_000).counties[-1].code
    alone = list(city(20_000).county_villages(last))  # a fresh generator: no other county made first
    in_order = [c for c in chunks if c.village_code.startswith(last)]
    assert alone == in_order
    assert alone and any(c.persons for c in alone)


def test_each_county_gets_exactly_its_share_and_the_counts_pass_predicts_its_rows(sample):
    gen, chunks = sample
    shares = gen.county_people()
    for county in gen.counties:
        mine = [c for c in chunks if c.village_code.startswith(county.code)]
        assert sum(len(c.persons) for c in mine) == shares[county.code]
        assert tuple(city(20_000).county_counts(county.code)) == (
            sum(len(c.areas) for c in mine), sum(len(c.responsibles) for c in mine),
            sum(len(c.households) for c in mine), sum(len(c.persons) for c in mine),
        )
