"""Every write to the area tree goes through here."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from fangkong.core.roles import Role

from .codes import Level, candidate_forms
from .division_import import DivisionRow, parse_rows, resolve
from .models import Area

BATCH = 5000


@dataclass
class DivisionImportResult:
    created: int
    updated: int
    unchanged: int
    rejected: int
    errors_file: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def read_division_csv(path: Path) -> Iterable[tuple[int, dict]]:
    """Rows of a code,name,parent_code CSV (UTF-8, with or without BOM), numbered as a spreadsheet shows them."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "name", "parent_code"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}; expected code,name,parent_code")
        yield from enumerate(reader, start=2)


def divisions_import(
    *, records: Iterable[tuple[int, dict]], errors_path: Path, progress: Callable[[int], None] | None = None
) -> DivisionImportResult:
    """Import divisions idempotently: new codes are created, changed names or parents updated."""
    rows = parse_rows(records)
    existing: dict[str, tuple[int, str, int | None, int]] = {
        code: (pk, name, parent_id, level)
        for pk, code, name, parent_id, level in Area.objects.filter(level__lte=Level.VILLAGE).values_list(
            "pk", "code", "name", "parent_id", "level"
        )
    }
    resolve(rows, lambda code: existing[code][3] if code in existing else None)
    good = [r for r in rows if not r.error]
    bad = [r for r in rows if r.error]
    _write_errors(errors_path, bad)

    created = updated = unchanged = 0
    id_of = {code: v[0] for code, v in existing.items()}
    seen: set[str] = set()
    with transaction.atomic():
        for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
            to_create, to_update = [], []
            for row in good:
                if row.level != level or row.code in seen:
                    continue
                seen.add(row.code)
                parent_id = id_of[row.parent] if row.parent else None
                if row.code not in existing:
                    to_create.append(Area(code=row.code, name=row.name, level=level, parent_id=parent_id))
                else:
                    pk, name, old_parent, _ = existing[row.code]
                    if name != row.name or old_parent != parent_id:
                        to_update.append(Area(pk=pk, code=row.code, name=row.name, level=level, parent_id=parent_id))
                    else:
                        unchanged += 1
            for start in range(0, len(to_create), BATCH):
                Area.objects.bulk_create(to_create[start : start + BATCH])
                if progress:
                    progress(len(to_create[start : start + BATCH]))
            if to_create:
                codes = [a.code for a in to_create]
                for start in range(0, len(codes), BATCH):
                    id_of.update(Area.objects.filter(code__in=codes[start : start + BATCH]).values_list("code", "pk"))
            Area.objects.bulk_update(to_update, ["name", "parent_id"], batch_size=BATCH)
            created += len(to_create)
            updated += len(to_update)
    return DivisionImportResult(created, updated, unchanged, len(bad), str(errors_path))


def _write_errors(path: Path, bad: list[DivisionRow]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(["row", "code", "name", "parent_code", "reason"])
        for row in bad:
            writer.writerow([row.row_number, row.raw_code, row.name, row.raw_parent, row.error])


def area_describe(code: str) -> dict | None:
    """What `fangkong areas show` prints: a 12-digit code names its deepest existing division."""
    from fangkong.core.scoping import subtree_q

    from .codes import candidate_forms, to_national

    for form in candidate_forms(code):
        area = Area.objects.filter(code=form, level__lte=Level.VILLAGE).select_related("parent").first()
        if area is not None:
            break
    else:
        return None
    return {
        "code": to_national(area.code),
        "name": area.name,
        "level": area.level_name,
        "parent_code": to_national(area.parent.code) if area.parent else None,
        "children": Area.objects.filter(parent=area, level__lte=Level.VILLAGE).count(),
        "descendants": Area.objects.filter(subtree_q(area.code, "code"), level__lte=Level.VILLAGE).exclude(pk=area.pk).count(),
    }



def normalize_area_code(code: str) -> str:
    """Accept a short code or the 12-digit national form; return the stored short form if it exists."""
    code = code.strip()
    for form in candidate_forms(code):
        if Area.objects.filter(code=form).exists():
            return form
    raise ValueError(f"unknown area code {code}")


def user_create(*, username: str, area_code: str, role: str, password: str, full_name: str = ""):
    if role not in Role.values:
        raise ValueError(f"unknown role {role}; one of {', '.join(Role.values)}")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValueError(f"user {username} exists already")
    code = normalize_area_code(area_code)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValueError("; ".join(exc.messages)) from exc
    with transaction.atomic():
        user = User(username=username, area_code=code, role=role, first_name=full_name)
        user.set_password(password)
        user.is_staff = role == Role.CITY_COMMAND
        user.save()
    return user
