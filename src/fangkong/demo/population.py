"""Who lives in a synthetic household: sizes, ages, sexes, relations, names, phones, tags.

Pure Python, no Django. Every draw takes a `random.Random`, so a caller that seeds it
the same way gets the same people.

Figures are approximations of public statistics, rounded; they shape a believable
demo population, they are not data to analyse:
- Age pyramid: share of the population by 5-year age group, after the shape of the
  7th national population census of China (2020, National Bureau of Statistics,
  "population by age and sex"): 0-14 about 18 %, 15-59 about 63 %, 60+ about 19 %.
- Household size: census 2020 family households, mean about 2.62 persons
  (1 person about 25 %, 2 about 30 %, 3 about 21 %, 4 about 13 %, 5+ about 11 %).
- Away from home (外出): Shangqiu has about 500,000 migrant workers outside the
  province for about 7.8 million residents, so about 6-7 % of the people are away,
  almost all of working age.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import TypeVar

T = TypeVar("T")

# (first age, last age, share in percent) — approximate 2020 census shape.
AGE_PYRAMID: tuple[tuple[int, int, float], ...] = (
    (0, 4, 5.5), (5, 9, 6.4), (10, 14, 6.3), (15, 19, 5.2), (20, 24, 5.3), (25, 29, 6.6),
    (30, 34, 8.8), (35, 39, 7.0), (40, 44, 6.7), (45, 49, 8.3), (50, 54, 8.7), (55, 59, 7.2),
    (60, 64, 5.2), (65, 69, 5.0), (70, 74, 3.4), (75, 79, 2.1), (80, 84, 1.4), (85, 99, 1.0),
)
MAX_AGE = 99

# Household size 1..8 (8 stands for "7 or more" beyond 7) — mean about 2.62.
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6, 7, 8)
HOUSEHOLD_SIZE_WEIGHTS = (25.4, 29.7, 20.9, 13.2, 6.2, 2.9, 1.2, 0.5)
_HOUSEHOLD_SIZE_CUM = tuple(accumulate(HOUSEHOLD_SIZE_WEIGHTS))  # what choices() would add up on every call

# Occupational key-population tags: (tag, first age, last age, probability in that age range, occupation label).
OCCUPATION_TAGS = (
    ("medical", 22, 60, 0.012, "医务人员"),
    ("school_staff", 22, 60, 0.010, "教职员工"),
    ("courier", 20, 50, 0.010, "快递外卖"),
    ("transport", 22, 60, 0.006, "交通运输"),
    ("cold_chain", 20, 59, 0.002, "冷链从业"),
)
COLLEGE_AGES = (18, 22)
COLLEGE_RATE = 0.45  # enrolled in higher education, most of them studying elsewhere
COLLEGE_AWAY_RATE = 0.6
WORK_AWAY_AGES = (18, 50)
WORK_AWAY_RATE = 0.085  # with the young couples of left-behind families: about 6-7 % of everyone

# Common surnames, most frequent first (a Zipf-like weight is applied).
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜"
    "戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文葛申牛翟"
)
_SURNAME_CUM = tuple(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(len(SURNAMES))))

# Given-name characters by sex and by generation (born before 1985 / from 1985).
_GIVEN = {
    ("M", "old"): "国建军明志文华平伟强勇刚德永海春林立成庆宝玉广金福山忠义民保新东红兵",
    ("M", "new"): "浩宇轩子涵博文杰鹏飞俊凯辉磊涛超帅旭阳晨昊睿泽航一诺铭瑞宸嘉豪鑫朗",
    ("F", "old"): "秀英兰桂芳玉珍凤华霞红梅丽敏静燕萍娟琴云洁荣美爱莲花素菊翠芬",
    ("F", "new"): "欣怡梓涵诗雨晴悦萱琪瑶婷颖佳梦雪倩璐思蕾薇娜琳茜妍露瑾可心",
}

# Mainland mobile prefixes in use (all match core.ids' 1[3-9] shape).
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184",
    "185", "186", "187", "188", "189", "191", "198", "199",
)


@dataclass(slots=True)
class Member:
    """One person of a household before they get a name, an ID number and a phone."""

    relation: str
    sex: str  # "M" / "F"
    age: int  # completed years at the reference date
    away: bool = False
    tag: str = ""
    occupation: str = ""
    surname: str = ""


_AGE_BOUNDS = tuple(accumulate(share for _, _, share in AGE_PYRAMID))


# Whole numbers from one float draw: random.randint/choice cost about ten times as much (they draw
# bits until the value fits, in Python), and the build makes tens of millions of these.
def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from `low` to `high` inclusive."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def pyramid_age(rng: random.Random, low: int = 0, high: int = MAX_AGE) -> int:
    """An age drawn from the pyramid, restricted to [low, high]."""
    while True:
        group = AGE_PYRAMID[bisect(_AGE_BOUNDS, rng.random() * _AGE_BOUNDS[-1])]
        age = between(rng, group[0], group[1])
        if low <= age <= high:
            return age


def household_size(rng: random.Random) -> int:
    size = rng.choices(HOUSEHOLD_SIZES, cum_weights=_HOUSEHOLD_SIZE_CUM)[0]
    return 7 + between(rng, 1, 3) if size == 8 else size  # "7 or more": 8 to 10


def surname(rng: random.Random) -> str:
    return SURNAMES[bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]


def given_name(rng: random.Random, sex: str, birth_year: int) -> str:
    pool = _GIVEN[(sex, "old" if birth_year < 1985 else "new")]
    if rng.random() < 0.25:
        return pick(rng, pool)
    return pick(rng, pool) + pick(rng, pool)


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _spouse_age(rng: random.Random, head_age: int, head_sex: str) -> int:
    gap = max(-6, min(8, round(rng.gauss(2.0, 2.5))))  # husbands a little older
    age = head_age - gap if head_sex == "M" else head_age + gap
    return max(20, min(MAX_AGE, age))


def _child_age(rng: random.Random, youngest_parent: int, oldest_parent: int) -> int | None:
    """A child 20 to 38 years younger than each parent, or None if the parents cannot have one."""
    low = max(0, oldest_parent - 38)
    high = youngest_parent - 20
    if high < low:
        return None
    # Most children are born when their mother is in her twenties.
    age = youngest_parent - round(rng.triangular(20, 38, 24))
    return age if low <= age <= high else between(rng, low, high)


def _child(rng: random.Random, parents: list[Member], son: str, daughter: str) -> Member | None:
    ages = [p.age for p in parents]
    age = _child_age(rng, min(ages), max(ages))
    if age is None:
        return None
    sex = "M" if rng.random() < 0.52 else "F"  # sex ratio at birth about 1.1
    return Member(son if sex == "M" else daughter, sex, age)


def _couple(rng: random.Random, head_age: int, head_sex: str = "") -> list[Member]:
    sex = head_sex or ("M" if rng.random() < 0.8 else "F")
    head = Member("户主", sex, head_age)
    return [head, Member("配偶", _other(sex), _spouse_age(rng, head_age, sex))]


def _parents_of(rng: random.Random, head: Member, count: int) -> list[Member]:
    """The head's father and/or mother, 22 to 36 years older."""
    father_age = min(MAX_AGE, head.age + between(rng, 22, 36))
    mother_age = max(head.age + 20, min(MAX_AGE, father_age - between(rng, 0, 4)))
    both = [Member("父亲", "M", father_age), Member("母亲", "F", mother_age)]
    if count >= 2:
        return both
    return [both[1] if rng.random() < 0.6 else both[0]]  # widows outlive widowers


def household(rng: random.Random, size: int) -> list[Member]:
    """The members of one household of `size` people; the head comes first."""
    if size == 1:
        if rng.random() < 0.42:
            age = pyramid_age(rng, 60)
            sex = "F" if rng.random() < 0.6 else "M"
        else:
            age = pyramid_age(rng, 20, 59)
            sex = "M" if rng.random() < 0.58 else "F"
        return [Member("户主", sex, age)]

    kind = rng.random()
    if size == 2:
        if kind < 0.52:  # couple, most often an empty nest
            return _couple(rng, pyramid_age(rng, 45) if rng.random() < 0.7 else pyramid_age(rng, 22, 44))
        if kind < 0.78:  # single parent and a child
            head = Member("户主", "F" if rng.random() < 0.55 else "M", pyramid_age(rng, 30, 75))
            child = _child(rng, [head], "子", "女")
            return [head, child] if child else _couple(rng, head.age)
        if kind < 0.88:  # an adult living with a widowed parent
            head = Member("户主", "M" if rng.random() < 0.7 else "F", pyramid_age(rng, 25, 62))
            return [head, *_parents_of(rng, head, 1)]
        # left-behind child with a grandparent (留守儿童)
        head = Member("户主", "F" if rng.random() < 0.6 else "M", pyramid_age(rng, 55, 80))
        grandchild_age = between(rng, max(0, head.age - 75), min(16, head.age - 40))
        return [head, Member("孙子" if rng.random() < 0.52 else "孙女", "M" if rng.random() < 0.52 else "F", grandchild_age)]

    if kind < 0.62 or size == 3 and kind < 0.75:
        # nuclear family: a couple and their children, perhaps a parent of the head
        with_parent = size >= 4 and rng.random() < 0.2
        members = _parents_and_children(rng, size - 2 - (1 if with_parent else 0))
        if with_parent:
            members += _parents_of(rng, members[0], 1)
        return members

    if kind < 0.85:
        # three generations upward: a couple, the head's parents, their children
        n_old = 2 if size >= 4 else 1
        members = _parents_and_children(rng, size - 2 - n_old, oldest_head=58)
        return members + _parents_of(rng, members[0], n_old)

    if size < 4:  # no room for three generations below: a couple and a child
        return _parents_and_children(rng, size - 2)

    # three generations downward: an older couple, their married son (often away working) and grandchildren
    members = _couple(rng, pyramid_age(rng, 50, 72), "M")
    son = _child(rng, members, "子", "子")
    if son is None or son.age < 22:
        return _add_children(rng, members, list(members), size - 2, "子", "女")
    son.sex = "M"
    daughter_in_law = Member("儿媳", "F", max(20, son.age - between(rng, 0, 4)))
    away = rng.random() < 0.5
    son.away = daughter_in_law.away = away
    members += [son, daughter_in_law]
    return _add_children(rng, members, [son, daughter_in_law], size - 4, "孙子", "孙女")


def _parents_and_children(rng: random.Random, count: int, oldest_head: int = 75) -> list[Member]:
    """A couple and `count` children; the eldest child's age follows the pyramid, the parents follow from it."""
    if count <= 0:
        return _couple(rng, pyramid_age(rng, 22, oldest_head))
    eldest = pyramid_age(rng, 0, min(24, oldest_head - 22))
    mother = min(MAX_AGE, eldest + round(rng.triangular(20, 38, 25)))
    father = max(eldest + 20, min(eldest + 38, mother + max(-6, min(8, round(rng.gauss(2.0, 2.5))))))
    if rng.random() < 0.8:
        head, spouse = Member("户主", "M", father), Member("配偶", "F", mother)
    else:
        head, spouse = Member("户主", "F", mother), Member("配偶", "M", father)
    sex = "M" if rng.random() < 0.52 else "F"
    members = [head, spouse, Member("子" if sex == "M" else "女", sex, eldest)]
    low, high = max(0, max(father, mother) - 38), min(father, mother) - 20
    for _ in range(count - 1):
        age = eldest - between(rng, 1, 8)
        sex = "M" if rng.random() < 0.52 else "F"
        if low <= age <= high:
            members.append(Member("子" if sex == "M" else "女", sex, age))
        else:  # no younger sibling fits: an older relative fills the place
            members.append(Member("其他", sex, pyramid_age(rng, 18)))
    return members


def _add_children(
    rng: random.Random, members: list[Member], parents: list[Member], count: int, son: str, daughter: str
) -> list[Member]:
    for _ in range(max(0, count)):
        child = _child(rng, parents, son, daughter)
        if child is None:  # the parents are too young: an older relative fills the place instead
            child = Member("其他", "M" if rng.random() < 0.5 else "F", pyramid_age(rng, 18))
        members.append(child)
    return members


def assign_roles(rng: random.Random, members: list[Member]) -> None:
    """Away status and key-population tags, after the 500,000 migrant workers and the usual rates."""
    for m in members:
        if COLLEGE_AGES[0] <= m.age <= COLLEGE_AGES[1] and rng.random() < COLLEGE_RATE:
            m.tag, m.occupation = "student", "大学生"
            m.away = m.away or rng.random() < COLLEGE_AWAY_RATE
            continue
        if 6 <= m.age <= 17:
            m.occupation = "学生"
            continue
        if m.away:
            m.tag, m.occupation = "migrant_worker", "外出务工"
            continue
        if WORK_AWAY_AGES[0] <= m.age <= WORK_AWAY_AGES[1] and rng.random() < WORK_AWAY_RATE:
            m.away = True
            m.tag, m.occupation = "migrant_worker", "外出务工"
            continue
        draw = rng.random()
        for tag, low, high, rate, label in OCCUPATION_TAGS:
            if low <= m.age <= high:
                if draw < rate:
                    m.tag, m.occupation = tag, label
                    break
                draw -= rate


def has_phone(rng: random.Random, age: int) -> bool:
    if age < 12:
        return False
    if age < 18:
        return rng.random() < 0.3
    if age < 75:
        return rng.random() < 0.94
    return rng.random() < 0.55
