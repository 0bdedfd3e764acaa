"""The synthetic city as a stream of plain rows: pure Python, no Django, deterministic by seed.

`CityGenerator(divisions, people=N, seed=S)` takes the real divisions of one
prefecture (province .. village) and yields, village after village, the grids,
buildings / village groups, households, persons and responsible people under it.
The same divisions, N and seed always give the same rows (names, codes, ID
numbers, phones, sizes), whatever the machine: every random draw comes from a
`random.Random` seeded with a string, and villages are visited in code order.
Only one village's rows are held at a time, so memory does not grow with N.

Counties are independent of each other: each has its exact share of the people, its
own ranges of phone numbers and its own ID-number sequences, so several processes can
each generate some counties and still produce exactly the rows of one process
(`county_villages`, `county_counts`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import random
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from fangkong.core.ids import CHECK_MAP, WEIGHTS

from . import population as pop
from .geometry import CITY_BBOX, PROVINCE_BBOX, Rect, polygon, split

# Ages are counted at this fixed date, so the same seed gives the same birth dates every day.
REFERENCE_DATE = dt.date(2025, 11, 1)

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE, GRID, BUILDING = range(1, 8)  # = areas.codes.Level

URBAN_WEIGHT = 5.0  # an urban community (居委会) holds about five times a rural village's people
HOUSEHOLDS_PER_GRID = {True: 320, False: 220}  # 每个网格 300-500 户 in town, a village or two in the country
HOUSEHOLDS_PER_BUILDING = {True: 60, False: 40}  # a 楼院 / a 村民组
MAX_CHILDREN = 999  # three local digits for grids and buildings
MAX_HOUSEHOLDS = 9999  # four digits for a household under its building

# Phone numbers come from disjoint ranges of one bijection, so residents and staff never share one.
# Residents and village staff get one sub-range per county (division staff one more), so a
# county's phones do not depend on how many were drawn in the counties before it.
_PHONE_BODIES = 10**8
_STAFF_PHONE_OFFSET = 3_000_000_000
_HQ_PHONE_OFFSET = 3_700_000_000  # headquarters: its own range, so it does not depend on the villages' draws


class Division(NamedTuple):
    code: str
    name: str
    level: int


class AreaRow(NamedTuple):
    code: str
    name: str
    level: int
    parent_code: str
    geometry: dict


class ResponsibleRow(NamedTuple):
    area_code: str
    tier: str  # areas.models.Responsible.Tier values
    name: str
    phone: str
    title: str


class HouseholdRow(NamedTuple):
    code: str
    area_code: str  # the building / village group
    address: str
    responsible_area: str  # the node whose village cadre answers for the household


class PersonRow(NamedTuple):
    household_code: str
    area_code: str
    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    phone: str
    relation: str
    occupation: str
    residence: str  # "resident" / "away"
    tags: tuple[str, ...]


@dataclass
class VillageChunk:
    village_code: str
    areas: list[AreaRow] = field(default_factory=list)
    responsibles: list[ResponsibleRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)


class CountyCounts(NamedTuple):
    """How many rows of each table one county's villages make (for handing out primary keys ahead)."""

    areas: int
    responsibles: int
    households: int
    persons: int


class MemberSpec(NamedTuple):
    name: str
    phone: str
    unit: str
    position: str
    is_police: bool
    is_lead: bool


class TeamSpec(NamedTuple):
    area_code: str
    kind: str  # areas.models.Team.Kind values
    name: str
    duties: str
    min_members: int | None
    max_members: int | None
    min_police_share: float | None
    members: list[MemberSpec]


class ShiftSpec(NamedTuple):
    area_code: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    post: str
    name: str
    phone: str


PREFECTURE_CSV = Path(__file__).with_name("data") / "prefecture_4114.csv"
_LEVEL_OF_LENGTH = {2: PROVINCE, 4: CITY, 6: COUNTY, 9: TOWNSHIP, 12: VILLAGE}


def read_divisions(path: Path = PREFECTURE_CSV) -> list[Division]:
    """The shipped prefecture (code,name,parent_code in short codes) as divisions."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [Division(r["code"], r["name"], _LEVEL_OF_LENGTH[len(r["code"])]) for r in csv.DictReader(fh)]


def _weighted(digits: str, start: int) -> int:
    """The GB 11643 weighted sum of `digits` placed at position `start` of an ID number."""
    return sum(int(d) * w for d, w in zip(digits, WEIGHTS[start:], strict=False))


# The three sequence digits of an ID number (positions 15-17) with their weighted sum.
_SEQUENCES = tuple((f"{i:03d}", _weighted(f"{i:03d}", 14)) for i in range(1000))


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def short_village_name(name: str) -> str:
    for suffix in ("村民委员会", "居民委员会", "居委会", "村委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def is_urban(village_code: str) -> bool:
    """Village codes 0xx/1xx are communities (居委会); 2xx/3xx villages (村委会); 4xx/5xx special."""
    return village_code[9] in "01"


def is_central(county_code: str) -> bool:
    """Districts (市辖区, county digits 01-20) form the central urban area."""
    return 1 <= int(county_code[4:6]) <= 20


def allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder, ties by position)."""
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    missing = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[:missing]:
        counts[i] += 1
    return counts


class CityGenerator:
    def __init__(self, divisions: Sequence[Division], *, people: int, seed: int,
                 reference_date: dt.date = REFERENCE_DATE) -> None:
        if people < 0:
            raise ValueError("people must be zero or more")
        self.seed = seed
        self.people = people
        self.reference_date = reference_date
        self.divisions = sorted(divisions, key=lambda d: d.code)
        by_level: dict[int, list[Division]] = {}
        for d in self.divisions:
            by_level.setdefault(d.level, []).append(d)
        cities = by_level.get(CITY, [])
        if len(cities) != 1:
            raise ValueError(f"expected the divisions of exactly one city, got {len(cities)}")
        self.city = cities[0]
        self.provinces = by_level.get(PROVINCE, [])
        self.counties = by_level.get(COUNTY, [])
        self.townships = by_level.get(TOWNSHIP, [])
        self.village_list = by_level.get(VILLAGE, [])
        self._children: dict[str, list[Division]] = {}
        for d in self.divisions:
            parent = self._parent_code(d)
            if parent is not None:
                self._children.setdefault(parent, []).append(d)
        self._county_index = {c.code: i for i, c in enumerate(self.counties)}
        self._rects = self._division_rects()
        # Sequence numbers of resident IDs issued so far, per (county, birth date, sex).
        self._days = (pop.MAX_AGE + 3) * 366
        self._id_seq = array("H", bytes(2 * len(self.counties) * self._days * 2))
        # Phones drawn so far: residents per county, staff per slot (0 = divisions, 1.. = counties).
        self._resident_phones = [0] * len(self.counties)
        self._staff_phones = [0] * (len(self.counties) + 1)
        self._resident_stride = _STAFF_PHONE_OFFSET // max(1, len(self.counties))
        self._staff_stride = (_HQ_PHONE_OFFSET - _STAFF_PHONE_OFFSET) // (len(self.counties) + 1)
        self._hq_phones = 0
        # Birth dates by age in days, with their part of the ID number and its weighted digit sum.
        self._birth: dict[int, tuple[dt.date, str, int]] = {}
        self._county_sum = {c.code: _weighted(c.code, 0) for c in self.counties}
        # Phones: an affine bijection of the index onto prefix x 8-digit body, so they look random and never repeat.
        self._phone_space = len(pop.MOBILE_PREFIXES) * _PHONE_BODIES
        digest = hashlib.sha256(f"phones:{seed}".encode()).digest()
        mul = int.from_bytes(digest[:8], "big") % self._phone_space
        while math.gcd(mul, self._phone_space) != 1:
            mul += 1
        self._phone_mul = mul
        self._phone_add = int.from_bytes(digest[8:16], "big") % self._phone_space

    # -- structure -------------------------------------------------------------------------

    @staticmethod
    def _parent_code(d: Division) -> str | None:
        return {PROVINCE: None, CITY: d.code[:2], COUNTY: d.code[:4], TOWNSHIP: d.code[:6], VILLAGE: d.code[:9]}[d.level]

    def village_people(self) -> dict[str, int]:
        """How many people live in each village: urban communities are denser, all jittered a little."""
        rng = _rng(self.seed, "allocate")
        weights = []
        for v in self.village_list:
            base = URBAN_WEIGHT if is_urban(v.code) else 1.0
            weights.append(base * rng.lognormvariate(0.0, 0.35))
        return dict(zip((v.code for v in self.village_list), allocate(self.people, weights), strict=True))

    def _division_rects(self) -> dict[str, Rect]:
        rects: dict[str, Rect] = {p.code: PROVINCE_BBOX for p in self.provinces}
        rects[self.city.code] = CITY_BBOX
        leaf_count: dict[str, int] = {}
        for v in self.village_list:
            for length in (4, 6, 9):
                leaf_count[v.code[:length]] = leaf_count.get(v.code[:length], 0) + 1
        for level in (COUNTY, TOWNSHIP, VILLAGE):
            for parent_code, kids in self._children.items():
                if not kids or kids[0].level != level or parent_code not in rects:
                    continue
                # Rural divisions are larger: weigh counties and townships by their villages.
                weights = [max(1, leaf_count.get(k.code, 1)) if level < VILLAGE else
                           (0.4 if is_urban(k.code) else 1.0) for k in kids]
                for kid, rect in zip(kids, split(rects[parent_code], weights), strict=True):
                    rects[kid.code] = rect
        return rects

    def division_geometries(self) -> dict[str, dict]:
        """A polygon for every division given, children tiling their parent."""
        return {code: polygon(rect) for code, rect in self._rects.items()}

    # -- people and phones -----------------------------------------------------------------

    def _phone(self, index: int) -> str:
        j = (self._phone_mul * index + self._phone_add) % self._phone_space
        return f"{pop.MOBILE_PREFIXES[j // _PHONE_BODIES]}{j % _PHONE_BODIES:08d}"

    def resident_phone(self, county: int) -> str:
        """The next resident phone of the county with this index."""
        n = self._resident_phones[county] = self._resident_phones[county] + 1
        if n >= self._resident_stride:
            raise ValueError("too many resident phones for one county")
        return self._phone(county * self._resident_stride + n)

    def staff_phone(self, slot: int = 0) -> str:
        """The next staff phone: slot 0 for division staff, 1 + the county index for a county's village staff."""
        n = self._staff_phones[slot] = self._staff_phones[slot] + 1
        if n >= self._staff_stride:
            raise ValueError("too many staff phones for one county")
        return self._phone(_STAFF_PHONE_OFFSET + slot * self._staff_stride + n)

    def hq_phone(self) -> str:
        self._hq_phones += 1
        return self._phone(_HQ_PHONE_OFFSET + self._hq_phones)

    def staff_name(self, rng: random.Random) -> tuple[str, str]:
        sex = "M" if rng.random() < 0.6 else "F"
        age = pop.between(rng, 28, 58)
        return pop.surname(rng) + pop.given_name(rng, sex, self.reference_date.year - age), sex

    def _id_number(self, county: str, age_days: int, sex: str) -> tuple[str, dt.date]:
        """A valid resident ID number: county region code, birth date, sequence with the sex digit, check digit."""
        base = self._county_index[county] * self._days
        male = 1 if sex == "M" else 0
        seq = self._id_seq
        while True:
            slot = (base + age_days) * 2 + male
            n = seq[slot]
            if n < 499:
                seq[slot] = n + 1
                break
            age_days += 1  # 499 people of one sex born the same day in one county: the next day
        birth = self._birth.get(age_days)
        if birth is None:
            born = dt.date.fromordinal(self.reference_date.toordinal() - age_days)
            ymd = f"{born.year:04d}{born.month:02d}{born.day:02d}"
            birth = self._birth[age_days] = (born, ymd, _weighted(ymd, 6))
        born, ymd, date_sum = birth
        # The n-th number of the day, shifted so sequences do not all start at 001; still unique per day.
        n = (n + age_days * 37 + base) % 499
        # Odd third digit for men, even for women: 1, 3, … 997 / 2, 4, … 998.
        sequence, sequence_sum = _SEQUENCES[2 * n + 2 - male]
        # The check character of GB 11643 (core.ids.check_digit), from the weighted sums of the three parts.
        total = self._county_sum[county] + date_sum + sequence_sum
        return f"{county}{ymd}{sequence}{CHECK_MAP[total % 11]}", born

    # -- the stream ------------------------------------------------------------------------

    def county_people(self) -> dict[str, int]:
        """How many people live in each county: the sum of its villages' shares."""
        out = {c.code: 0 for c in self.counties}
        for code, n in self.village_people().items():
            out[code[:6]] += n
        return out

    def villages(self) -> Iterator[VillageChunk]:
        """One chunk per village, in code order: its grids, buildings, households and persons."""
        counts = self.village_people()
        for county in self.counties:
            yield from self.county_villages(county.code, counts)

    def _county_plan(self, county: str, counts: dict[str, int] | None) -> Iterator[tuple[Division, int, int]]:
        """(village, its share, people still to place in the county) before each village of `county`.

        A village that finishes its last household beyond its share takes the surplus off the
        next one, so household sizes keep their distribution even when villages are small; the
        county as a whole gets exactly its share.
        """
        counts = counts if counts is not None else self.village_people()
        villages = self._children_villages(county)
        remaining = sum(counts[v.code] for v in villages)
        surplus = 0
        for village in villages:
            placed = yield village, counts[village.code] - surplus, remaining
            surplus += placed - counts[village.code]
            remaining -= placed

    def _children_villages(self, county: str) -> list[Division]:
        return [v for v in self.village_list if v.code.startswith(county)]

    def county_villages(self, county: str, counts: dict[str, int] | None = None) -> Iterator[VillageChunk]:
        """The chunks of one county's villages, in code order; the same whichever counties came before."""
        plan = self._county_plan(county, counts)
        try:
            village, target, remaining = next(plan)
            while True:
                chunk = self._village(village, target, remaining)
                yield chunk
                village, target, remaining = plan.send(len(chunk.persons))
        except StopIteration:
            return

    def county_counts(self, county: str, counts: dict[str, int] | None = None) -> CountyCounts:
        """The rows one county makes, from its household sizes alone (a cheap pass, no names or numbers)."""
        areas = responsibles = households = persons = 0
        plan = self._county_plan(county, counts)
        try:
            village, target, remaining = next(plan)
            while True:
                sizes = self._household_sizes(_rng(self.seed, village.code), target, remaining)
                for _, n_hh in self._grids(village, len(sizes)):
                    buildings = self._buildings(village, n_hh)
                    areas += 1 + len(buildings)
                    responsibles += 2 + len(buildings)
                households += len(sizes)
                persons += sum(sizes)
                village, target, remaining = plan.send(sum(sizes))
        except StopIteration:
            pass
        return CountyCounts(areas, responsibles, households, persons)

    @staticmethod
    def _household_sizes(rng: random.Random, target: int, remaining: int) -> list[int]:
        """Whole households until the village's share is reached (the first draws of the village's rng)."""
        sizes: list[int] = []
        placed = 0
        while placed < target and placed < remaining:
            size = min(remaining - placed, pop.household_size(rng))
            sizes.append(size)
            placed += size
        return sizes

    @staticmethod
    def _grids(village: Division, households: int) -> list[tuple[int, int]]:
        """(grid number, households in it) for a village of `households` households."""
        n_grids = max(1, min(MAX_CHILDREN, round(households / HOUSEHOLDS_PER_GRID[is_urban(village.code)])))
        return list(enumerate(allocate(households, [1.0] * n_grids), start=1))

    @staticmethod
    def _buildings(village: Division, households: int) -> list[int]:
        """Households in each building / village group of a grid of `households` households."""
        per_building = HOUSEHOLDS_PER_BUILDING[is_urban(village.code)]
        n_buildings = max(1, min(MAX_CHILDREN, round(households / per_building), households or 1))
        n_buildings = max(n_buildings, -(-households // MAX_HOUSEHOLDS))
        return allocate(households, [1.0] * n_buildings)

    def _village(self, village: Division, target: int, remaining: int) -> VillageChunk:
        rng = _rng(self.seed, village.code)
        urban = is_urban(village.code)
        county = village.code[:6]
        county_index = self._county_index[county]
        chunk = VillageChunk(village.code)
        sizes = self._household_sizes(rng, target, remaining)

        short = short_village_name(village.name)
        grids = self._grids(village, len(sizes))
        grid_rects = split(self._rects[village.code], [1.0] * len(grids))
        start = 0
        for (g, n_hh), grid_rect in zip(grids, grid_rects, strict=True):
            grid_code = f"{village.code}{g:03d}"
            chunk.areas.append(AreaRow(grid_code, f"{short}第{g}网格", GRID, village.code, polygon(grid_rect)))
            for tier, title in (("grid_leader", "网格长"), ("grid_worker", "专职网格员")):
                name, _ = self.staff_name(rng)
                chunk.responsibles.append(ResponsibleRow(grid_code, tier, name, self.staff_phone(county_index + 1), title))
            building_households = self._buildings(village, n_hh)
            for b, (b_hh, b_rect) in enumerate(
                zip(building_households, split(grid_rect, [1.0] * len(building_households)), strict=True), start=1
            ):
                building_code = f"{grid_code}{b:03d}"
                label = f"{b}号楼院" if urban else f"第{b}村民组"
                chunk.areas.append(AreaRow(building_code, label, BUILDING, grid_code, polygon(b_rect)))
                name, _ = self.staff_name(rng)
                chunk.responsibles.append(ResponsibleRow(
                    building_code, "village_cadre", name, self.staff_phone(county_index + 1),
                    "楼院长（包户）" if urban else "村民组长（包户）",
                ))
                for h in range(1, b_hh + 1):
                    self._household(rng, chunk, county, short, label, building_code, h, sizes[start], urban)
                    start += 1
        return chunk

    def _household(self, rng: random.Random, chunk: VillageChunk, county: str, village: str, building: str,
                   building_code: str, number: int, size: int, urban: bool) -> None:
        code = f"{building_code}{number:04d}"
        if urban:
            address = f"{village}{building}{1 + (number - 1) // 24}单元{2 + (number - 1) % 24 // 2}0{1 + (number - 1) % 2}室"
        else:
            address = f"{village}{building}{number}号"
        chunk.households.append(HouseholdRow(code, building_code, address, building_code))
        members = pop.household(rng, size)
        pop.assign_roles(rng, members)
        family, spouse_family = pop.surname(rng), pop.surname(rng)
        # Children carry their father's family name; spouses and in-laws keep their own.
        mother_heads = members[0].sex == "F" and len(members) > 1 and members[1].relation == "配偶"
        paternal = spouse_family if mother_heads else family
        for m in members:
            if m.relation in ("户主", "父亲"):
                sur = family
            elif m.relation == "配偶":
                sur = spouse_family
            elif m.relation in ("子", "女", "孙子", "孙女"):
                sur = paternal
            else:
                sur = pop.surname(rng)
            age_days = int(m.age * 365.2425) + int(rng.random() * 365)
            id_number, born = self._id_number(county, age_days, m.sex)
            name = sur + pop.given_name(rng, m.sex, born.year)
            phone = self.resident_phone(self._county_index[county]) if pop.has_phone(rng, m.age) else ""
            chunk.persons.append(PersonRow(
                code, building_code, name, id_number, born, m.sex, phone, m.relation, m.occupation,
                "away" if m.away else "resident", (m.tag,) if m.tag else (),
            ))

    # -- who answers for the divisions -----------------------------------------------------

    def division_responsibles(self) -> list[ResponsibleRow]:
        """The city and county commanders, a county leader per township (包乡), a township cadre per village (包村)."""
        rng = _rng(self.seed, "division-responsibles")
        rows = []
        name, _ = self.staff_name(rng)
        rows.append(ResponsibleRow(self.city.code, "other", name, self.staff_phone(), "市疫情防控指挥部指挥长"))
        for county in self.counties:
            name, _ = self.staff_name(rng)
            rows.append(ResponsibleRow(county.code, "other", name, self.staff_phone(), "县（区）疫情防控指挥部指挥长"))
        for town in self.townships:
            name, _ = self.staff_name(rng)
            rows.append(ResponsibleRow(town.code, "county_leader", name, self.staff_phone(), "县级领导（包乡镇）"))
        for village in self.village_list:
            name, _ = self.staff_name(rng)
            rows.append(ResponsibleRow(village.code, "township_cadre", name, self.staff_phone(), "乡镇干部（包村）"))
            if not is_urban(village.code):
                name, _ = self.staff_name(rng)
                rows.append(ResponsibleRow(village.code, "doctor", name, self.staff_phone(), "村医"))
        return rows

    # -- headquarters: one office, six groups, six task forces, and tracing teams ----------

    HQ_OFFICE = ("疫情防控指挥部办公室", "综合协调、信息汇总、督办落实")
    HQ_GROUPS = (
        ("综合协调组", "会议组织、文件起草、工作调度"),
        ("疫情防控组", "重点人员排查、隔离管控、社区防控"),
        ("医疗救治组", "定点医院、发热门诊、患者救治"),
        ("物资保障组", "防疫物资储备、调拨、生活保障"),
        ("宣传引导组", "信息发布、舆情监测、健康宣教"),
        ("督导检查组", "督导检查、问题整改、责任追究"),
    )
    HQ_TASK_FORCES = (
        ("流调溯源专班", "流行病学调查、密接排查、轨迹核查"),
        ("核酸检测专班", "采样点设置、检测能力调度、应检尽检"),
        ("隔离管控专班", "集中隔离场所、居家隔离、转运"),
        ("交通卡口专班", "四大通道卡口查验、劝返、交接"),
        ("冷链物流专班", "进口冷链食品追溯、从业人员检测"),
        ("返乡人员专班", "返乡人员登记、健康监测、信息比对"),
    )
    _UNITS = ("卫健委", "疾控中心", "公安局", "工信局", "交通运输局", "市场监管局", "大数据局", "应急管理局")

    def tracing_team_size(self, area_code: str, rng: random.Random) -> tuple[int, int | None, int]:
        """(minimum, maximum, members) of a tracing team: city and central districts ≥ 60, others 30-50."""
        if area_code == self.city.code or is_central(area_code):
            return 60, None, rng.randint(60, 72)
        return 30, 50, rng.randint(30, 50)

    def headquarters(self) -> list[TeamSpec]:
        rng = _rng(self.seed, "headquarters")
        teams: list[TeamSpec] = []

        def members(count: int, police_share: float = 0.0) -> list[MemberSpec]:
            police = math.ceil(count * police_share - 1e-9)
            out = []
            for i in range(count):
                name, _ = self.staff_name(rng)
                is_police = i < police
                unit = "公安局" if is_police else rng.choice(self._UNITS)
                position = "组长" if i == 0 else ("民警" if is_police else "工作人员")
                out.append(MemberSpec(name, self.hq_phone(), unit, position, is_police, i == 0))
            return out

        city = self.city.code
        teams.append(TeamSpec(city, "office", self.HQ_OFFICE[0], self.HQ_OFFICE[1], None, None, None,
                              members(rng.randint(8, 12))))
        for name, duties in self.HQ_GROUPS:
            teams.append(TeamSpec(city, "group", name, duties, None, None, None, members(rng.randint(5, 10))))
        for name, duties in self.HQ_TASK_FORCES:
            teams.append(TeamSpec(city, "task_force", name, duties, None, None, None, members(rng.randint(6, 12))))
        for area_code, area_name in ((city, self.city.name), *((c.code, c.name) for c in self.counties)):
            low, high, size = self.tracing_team_size(area_code, rng)
            share = 0.30 + rng.randint(0, 10) / 100  # police at least 30 %
            teams.append(TeamSpec(
                area_code, "tracing", f"{area_name}信息比对流调队伍", "信息比对、流调溯源、密接判定",
                low, high, 0.30, members(size, share),
            ))
        return teams

    def duty_roster(self, teams: list[TeamSpec], start: dt.datetime, days: int = 7) -> list[ShiftSpec]:
        """24-hour duty (24小时值班) at the city and every county: three shifts a day, a leader and a clerk each."""
        rng = _rng(self.seed, "duty")
        staff: dict[str, list[MemberSpec]] = {}
        for team in teams:
            staff.setdefault(team.area_code, []).extend(team.members)
        shifts = []
        for area_code in [self.city.code, *(c.code for c in self.counties)]:
            people = staff.get(area_code, [])
            if len(people) < 2:
                continue
            for day in range(days):
                for hour in (0, 8, 16):
                    begins = start + dt.timedelta(days=day, hours=hour)
                    leader, clerk = rng.sample(people, 2)
                    for post, who in (("带班领导", leader), ("值班员", clerk)):
                        shifts.append(ShiftSpec(area_code, begins, begins + dt.timedelta(hours=8), post, who.name, who.phone))
        return shifts


def person_digest(rows: Iterator[PersonRow] | Sequence[PersonRow]) -> str:
    """A SHA-256 over plaintext person rows: equal digests mean the same people."""
    h = hashlib.sha256()
    for r in rows:
        h.update("|".join((r.household_code, r.area_code, r.name, r.id_number, r.birth_date.isoformat(), r.sex,
                           r.phone, r.relation, r.occupation, r.residence, ",".join(r.tags))).encode())
        h.update(b"\n")
    return h.hexdigest()
