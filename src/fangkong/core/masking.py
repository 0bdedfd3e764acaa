"""How ID numbers and phones are shown to roles that do not need the full value."""


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    # Keep the region (6) and the last 4 (sequence tail + check): enough to tell people apart on a list.
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


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
