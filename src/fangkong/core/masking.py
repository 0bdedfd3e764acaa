"""How ID numbers and phones are shown to roles that do not need the full value."""


def mask_id_number(value: str | None) -> str:
    """What a list shows of a document number.

    A resident ID (15 or 18 characters) keeps its region (6) and its last character: with what else a list
    shows (sex, birth year) at least about 16,000 valid numbers remain (tests/core/test_masking_undone.py);
    the old mask's last four plus a birth date left one. Shorter documents keep two characters at each end,
    never more than half of them.
    """
    if not value:
        return ""
    if len(value) >= 15:
        return value[:6] + "*" * (len(value) - 7) + value[-1:]
    if len(value) <= 8:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def birth_year_age(birth_date, today) -> int | None:
    """The age shown in place of a birth date: this year minus the birth year. It changes on 1 January, not on
    the birthday, so watching it day by day does not tell the birthday either."""
    if birth_date is None:
        return None
    return today.year - birth_date.year


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; a Latin name keeps its first letter."""
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)
