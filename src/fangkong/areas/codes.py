"""Division codes: levels, the short path form used as our key, and the 12-digit national form.

Pure functions, no Django. The national statistical division code has 12 digits:
2 province, 2 city, 2 county, 3 township, 3 village. We key every node by its
short form (2, 4, 6, 9 or 12 digits), so a node's code is a prefix of all its
descendants' codes. Grids (3 digits) and buildings/village groups (3 digits)
extend a village's code locally.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    PROVINCE = 1
    CITY = 2
    COUNTY = 3
    TOWNSHIP = 4
    VILLAGE = 5
    GRID = 6
    BUILDING = 7


CODE_LENGTH = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
    Level.GRID: 15,
    Level.BUILDING: 18,
}
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
DIVISION_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
LEVEL_NAMES = {
    Level.PROVINCE: "province",
    Level.CITY: "city",
    Level.COUNTY: "county",
    Level.TOWNSHIP: "township",
    Level.VILLAGE: "village",
    Level.GRID: "grid",
    Level.BUILDING: "building",
}


class CodeError(ValueError):
    pass


def level_of(code: str) -> Level:
    try:
        return LEVEL_OF_LENGTH[len(code)]
    except KeyError:
        raise CodeError(f"code {code!r} has {len(code)} digits; expected 2, 4, 6, 9, 12, 15 or 18") from None


def to_national(code: str) -> str:
    """Short division code to the 12-digit national form ("4114" -> "411400000000")."""
    if len(code) > 12:
        return code
    return code.ljust(12, "0")


def shallowest_form(code12: str) -> str:
    """A 12-digit code read at its shallowest level: trailing zero groups dropped.

    "441900000000" -> "4419"; "350527000000" -> "350527"; "110101001001" unchanged.
    """
    for length in (2, 4, 6, 9):
        if code12[length:] == "0" * (12 - length):
            return code12[:length]
    return code12


def candidate_forms(code: str) -> list[str]:
    """Every short form a code could name, deepest first (for looking up a 12-digit code)."""
    if len(code) != 12:
        return [code]
    forms = [code]
    for length in (9, 6, 4, 2):
        if code[length:] == "0" * (12 - length):
            forms.append(code[:length])
    return forms


def at_level(code: str, level: Level) -> str:
    """Read a code (short, or zero-padded to 12) as the node of `level`; CodeError if it does not fit."""
    want = CODE_LENGTH[level]
    if len(code) == want:
        return code
    if len(code) == 12 and want < 12 and code[want:] == "0" * (12 - want):
        return code[:want]
    raise CodeError(f"code {code!r} is not a {LEVEL_NAMES[level]} code ({want} digits)")


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level == Level.PROVINCE:
        return None
    return code[: CODE_LENGTH[Level(level - 1)]]
