"""Every write to the area tree goes through here."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.permissions import NotPermitted, granted, is_system, require
from fangkong.core.roles import Role
from fangkong.core.text import clean_line

from . import actions
from .codes import CODE_LENGTH, Level, candidate_forms
from .division_import import DivisionRow, parse_rows, resolve
from .models import Area, DutyShift, Responsible, Team, TeamMember
from .population import population
from .rules import HOUSEHOLD_TIERS, tier_fits, tracing_team_rule

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
    *, by, records: Iterable[tuple[int, dict]], errors_path: Path, progress: Callable[[int], None] | None = None
) -> DivisionImportResult:
    """Import divisions idempotently: new codes are created, changed names or parents updated."""
    require(by, actions.DIVISION_IMPORT)
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
        audit.record(by, actions.DIVISION_IMPORT, object_type="area", count=created + updated,
                     changes={"created": created, "updated": updated, "unchanged": unchanged, "rejected": len(bad)})
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


def user_create(*, by, username: str, area_code: str, role: str, password: str, full_name: str = "", unit=None):
    """A user bound to an area (and perhaps a unit) and a role. A person who manages users gives no role more than
    their own: every action the new role holds must be one the manager holds."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role}; one of {', '.join(Role.values)}")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValueError(f"user {username} exists already")
    code = normalize_area_code(area_code)
    _require_user_manager(by, code, role)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValueError("; ".join(exc.messages)) from exc
    with transaction.atomic():
        user = User(username=username, area_code=code, role=role, first_name=full_name)
        user.set_password(password)
        user.is_staff = role == Role.CITY_COMMAND
        user.unit = unit
        user.save()
        audit.record(by, actions.USER_MANAGE, obj=user, area_code=code,
                     changes={"username": user.username, "role": role, "area_code": code, "unit": unit})
    return user


def _require_user_manager(by, target_area: str, role: str) -> None:
    """A manager acts in their own subtree, and makes no manager above itself: a role that manages users must
    hold no action the manager lacks (a district cannot make a city commander). Roles that manage nobody
    (a grid worker, a CDC epidemiologist, a lab) can be given by any manager of the area."""
    require(by, actions.USER_MANAGE, target_area)
    manages = actions.USER_MANAGE in granted(role)
    if manages and not (is_system(by) or by.is_superuser) and not granted(role) <= granted(by.role):
        raise NotPermitted(actions.USER_MANAGE, _("you may not give a role more rights than your own"))


def _user_state(user) -> dict:
    return {"role": user.role, "area_code": user.area_code, "unit": user.unit_id, "is_active": user.is_active,
            "first_name": user.first_name, "phone": user.phone}


def user_update(*, by, user, role: str | None = None, area_code: str | None = None, unit=..., full_name: str | None = None,
                phone: str | None = None, active: bool | None = None):
    """Change a user's role, area, unit, name, phone or standing. A manager never changes their own account here."""
    require(by, actions.USER_MANAGE, user.area_code)
    if getattr(by, "pk", None) == user.pk:
        raise ValidationError({"user": _("Ask another manager to change your own account.")})
    new_role = role or user.role
    if new_role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    new_area = normalize_area_code(area_code) if area_code else user.area_code
    _require_user_manager(by, new_area, new_role)
    _require_user_manager(by, user.area_code, user.role)  # the account's present powers too
    before = _user_state(user)
    with transaction.atomic():
        user.role, user.area_code = new_role, new_area
        user.is_staff = new_role == Role.CITY_COMMAND
        if unit is not ...:
            user.unit = unit
        if full_name is not None:
            user.first_name = full_name.strip()[:150]
        if phone is not None:
            user.phone = _clean_phone(phone) if phone else ""
        if active is not None:
            user.is_active = active
        user.save()
        audit.record(by, actions.USER_MANAGE, obj=user, changes=audit.diff(before, _user_state(user)))
    return user


def user_reset_password(*, by, user) -> str:
    """A new temporary password, shown once to the manager; the old one stops working at once."""
    import secrets

    _require_user_manager(by, user.area_code, user.role)
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(by, actions.USER_MANAGE, obj=user, reason="password reset")
    return password


def user_reset_totp(*, by, user) -> int:
    """Remove the user's TOTP devices (a lost phone): they register a new one at their next admin sign-in."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_user_manager(by, user.area_code, user.role)
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        audit.record(by, actions.USER_MANAGE, obj=user, reason="TOTP devices removed", count=removed)
    return removed


# --- Responsibility chain (包保), teams and duty rosters -------------------------------------------

def _clean_phone(phone: str, field: str = "phone") -> str:
    from fangkong.core.ids import normalize_mobile

    clean = normalize_mobile(phone or "")
    if clean is None:
        raise ValidationError({field: _("Enter a mainland mobile number of 11 digits.")})
    return clean


def _clean_name(name: str, field: str = "name") -> str:
    name = clean_line(name)
    if not name:
        raise ValidationError({field: _("A name is required.")})
    return name


def responsible_assign(
    *, user, area: Area, tier: str, name: str, phone: str, title: str = "", account=None
) -> Responsible:
    """Name a person answerable for a node; the tier must fit the node's level (三级分包)."""
    require(user, actions.RESPONSIBLE_MANAGE, area.code)
    if tier not in Responsible.Tier.values:
        raise ValidationError({"tier": _("Unknown tier.")})
    if not tier_fits(tier, area.level):
        raise ValidationError(
            {"tier": _("A %(tier)s cannot be assigned to a %(level)s.")
             % {"tier": Responsible.Tier(tier).label, "level": area.get_level_display()}}
        )
    clean_name, clean_phone = _clean_name(name), _clean_phone(phone)
    with transaction.atomic():
        row = Responsible(
            area=area, area_code=area.code, tier=tier, name=clean_name, phone=clean_phone,
            title=(title or "").strip()[:100], user=account,
        )
        row._history_user = user
        row.save()
        audit.record(user, actions.RESPONSIBLE_MANAGE, obj=row,
                     changes={"tier": tier, "name": clean_name, "phone": clean_phone, "title": row.title})
    return row


def responsible_deactivate(*, user, responsible: Responsible) -> Responsible:
    """Take someone off the chain; their households fall back to "nobody responsible" until reassigned."""
    require(user, actions.RESPONSIBLE_MANAGE, responsible.area_code)
    with transaction.atomic():
        moved = population().households_move(by=user, source=responsible, target=None)
        responsible.active = False
        responsible._history_user = user
        responsible.save(update_fields=["active"])
        audit.record(user, actions.RESPONSIBLE_MANAGE, obj=responsible, changes={"active": [True, False]},
                     reason="deactivated", count=moved)
    return responsible


def responsible_replace(*, user, responsible: Responsible, name: str, phone: str, title: str = "") -> Responsible:
    """Hand a post to someone else: the old row is deactivated (history kept), its households move over."""
    require(user, actions.RESPONSIBLE_MANAGE, responsible.area_code)
    if not responsible.active:
        raise ValidationError({"responsible": _("This person is no longer on the chain.")})
    with transaction.atomic():
        successor = responsible_assign(
            user=user, area=responsible.area, tier=responsible.tier, name=name, phone=phone,
            title=title or responsible.title,
        )
        moved = population().households_move(by=user, source=responsible, target=successor)
        responsible.active = False
        responsible._history_user = user
        responsible.save(update_fields=["active"])
        audit.record(user, actions.RESPONSIBLE_MANAGE, obj=responsible, changes={"active": [True, False]},
                     reason=f"replaced by responsible {successor.pk}", count=moved)
    return successor


def households_assign_responsible(*, user, responsible: Responsible, household_ids: Iterable[int]) -> int:
    """Put households under a village cadre (包户); each must lie in the cadre's village and the user's subtree."""
    require(user, actions.RESPONSIBLE_MANAGE, responsible.area_code)
    if not responsible.active or responsible.tier not in HOUSEHOLD_TIERS:
        raise ValidationError({"responsible": _("Households are assigned to an active village cadre or grid worker.")})
    ids = {int(i) for i in household_ids}
    village_code = responsible.area_code[: CODE_LENGTH[Level.VILLAGE]]
    with transaction.atomic():
        assigned = population().households_assign(by=user, responsible=responsible, household_ids=ids,
                                                  village_code=village_code)
        audit.record(user, actions.RESPONSIBLE_MANAGE, obj=responsible, reason="households assigned",
                     count=len(assigned), changes={"households": assigned[:100]})
    return len(assigned)


def team_create(
    *,
    user,
    area: Area,
    kind: str,
    name: str,
    duties: str = "",
    central: bool = False,
    min_members: int | None = None,
    max_members: int | None = None,
    min_police_share: Decimal | None = None,
) -> Team:
    """A headquarters team (一办六组六专班). A tracing team gets its size rule filled in when none is given."""
    require(user, actions.TEAM_MANAGE, area.code)
    if kind not in Team.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of team.")})
    name = _clean_name(name)
    if kind == Team.Kind.TRACING and min_members is None and max_members is None and min_police_share is None:
        from fangkong.policy.selectors import active_profile

        rule = tracing_team_rule(level=area.level, central=central, teams=active_profile().tracing_teams)
        min_members, max_members, min_police_share = rule.min_members, rule.max_members, rule.min_police_share
    _check_size_rule(min_members, max_members, min_police_share)
    with transaction.atomic():
        if Team.objects.filter(area=area, name=name).exists():
            raise ValidationError({"name": _("A team with this name exists at this node already.")})
        team = Team.objects.create(
            area=area, area_code=area.code, kind=kind, name=name, duties=duties.strip(),
            min_members=min_members, max_members=max_members, min_police_share=min_police_share,
        )
        audit.record(user, actions.TEAM_MANAGE, obj=team, changes={
            "kind": kind, "name": name, "min_members": min_members, "max_members": max_members,
            "min_police_share": min_police_share})
        return team


def _check_size_rule(min_members, max_members, min_police_share) -> None:
    if min_members is not None and max_members is not None and min_members > max_members:
        raise ValidationError({"max_members": _("The maximum must not be below the minimum.")})
    if min_police_share is not None and not (0 <= min_police_share <= 1):
        raise ValidationError({"min_police_share": _("A share lies between 0 and 1 (0.30 for 30 %).")})


def team_update(*, user, team: Team, **changes) -> Team:
    allowed = {"kind", "name", "duties", "min_members", "max_members", "min_police_share"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    require(user, actions.TEAM_MANAGE, team.area_code)
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"])
    if "kind" in changes and changes["kind"] not in Team.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of team.")})
    merged = {k: changes.get(k, getattr(team, k)) for k in ("min_members", "max_members", "min_police_share")}
    _check_size_rule(**merged)
    with transaction.atomic():
        if "name" in changes and Team.objects.filter(area_id=team.area_id, name=changes["name"]).exclude(pk=team.pk).exists():
            raise ValidationError({"name": _("A team with this name exists at this node already.")})
        before = {key: getattr(team, key) for key in changes}
        for key, value in changes.items():
            setattr(team, key, value)
        team.save()
        audit.record(user, actions.TEAM_MANAGE, obj=team, changes=audit.diff(before, changes))
    return team


def team_member_add(
    *, user, team: Team, name: str, phone: str, unit: str = "", position: str = "",
    is_police: bool = False, is_lead: bool = False,
) -> TeamMember:
    require(user, actions.TEAM_MANAGE, team.area_code)
    with transaction.atomic():
        member = TeamMember.objects.create(
            team=team, name=_clean_name(name), phone=_clean_phone(phone), unit=unit.strip()[:100],
            position=position.strip()[:50], is_police=is_police, is_lead=is_lead,
        )
        audit.record(user, actions.TEAM_MANAGE, obj=member, area_code=team.area_code, reason="member added",
                     changes={"team": team.pk, "name": member.name, "phone": member.phone, "is_police": is_police,
                              "is_lead": is_lead})
        return member


def team_member_remove(*, user, member: TeamMember) -> None:
    require(user, actions.TEAM_MANAGE, member.team.area_code)
    with transaction.atomic():
        audit.record(user, actions.TEAM_MANAGE, obj=member, area_code=member.team.area_code, reason="member removed",
                     changes={"team": member.team_id, "name": member.name})
        member.delete()


def duty_shift_add(
    *, user, area: Area, starts_at: dt.datetime, ends_at: dt.datetime, name: str, phone: str, post: str = ""
) -> DutyShift:
    """One shift of a node's 24-hour duty roster (24小时值班)."""
    require(user, actions.ROSTER_MANAGE, area.code)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("shift times must be timezone-aware")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A shift must end after it starts.")})
    if ends_at - starts_at > dt.timedelta(hours=48):
        raise ValidationError({"ends_at": _("A shift lasts at most 48 hours.")})
    with transaction.atomic():
        shift = DutyShift.objects.create(
            area=area, area_code=area.code, starts_at=starts_at, ends_at=ends_at,
            name=_clean_name(name), phone=_clean_phone(phone), post=(post or "").strip()[:50] or DutyShift._meta.get_field("post").default,
        )
        audit.record(user, actions.ROSTER_MANAGE, obj=shift, changes={
            "starts_at": starts_at, "ends_at": ends_at, "name": shift.name, "phone": shift.phone, "post": shift.post})
        return shift


def duty_shift_remove(*, user, shift: DutyShift) -> None:
    require(user, actions.ROSTER_MANAGE, shift.area_code)
    with transaction.atomic():
        audit.record(user, actions.ROSTER_MANAGE, obj=shift, reason="shift removed",
                     changes={"starts_at": shift.starts_at, "name": shift.name})
        shift.delete()


# --- Precomputed counts under the big nodes ---------------------------------------------------------

# Nodes whose counts come from AreaTally: province, city, county, township (code lengths).
TALLY_LENGTHS = tuple(CODE_LENGTH[level] for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP))


def tallies_refresh(*, by) -> dict:
    """Recount households and persons under every node at township level and above, in one pass per table.

    One GROUP BY area_code over each table; the counts are added up to every ancestor in Python
    and the tallies replaced in one transaction, so a reader sees the old counts or the new ones.
    """
    from django.utils import timezone

    from .models import AreaTally

    require(by, actions.TALLY_REFRESH)
    totals: dict[str, list[int]] = {}

    def add(rows, first_slot: int) -> None:
        for code, *counts in rows:
            for length in TALLY_LENGTHS:
                if len(code) >= length:
                    node = totals.setdefault(code[:length], [0, 0, 0])
                    for i, n in enumerate(counts, start=first_slot):
                        node[i] += n

    households, persons = population().tally_rows()
    add(households, 0)
    add(persons, 2)
    now = timezone.now()
    with transaction.atomic():
        AreaTally.objects.all().delete()
        AreaTally.objects.bulk_create([
            AreaTally(code=code, households=h, unassigned_households=u, persons=p, counted_at=now)
            for code, (h, u, p) in sorted(totals.items())
        ], batch_size=2000)
        audit.record(by, actions.TALLY_REFRESH, object_type="areatally", count=len(totals))
    return {"nodes": len(totals), "counted_at": now.isoformat()}
