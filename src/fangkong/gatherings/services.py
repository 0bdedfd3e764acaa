"""Writes for gatherings (聚集性活动报批): submit, attach a plan, approve, reject, withdraw, cancel."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.crypto import lookup_hash, seal
from fangkong.core.errors import InvalidInput, NotAllowed
from fangkong.core.ids import normalize_mobile
from fangkong.core.masking import mask_phone
from fangkong.core.permissions import require
from fangkong.gatherings import actions, rules
from fangkong.gatherings.models import Gathering, GatheringKind, GatheringMeasure, GatheringStep
from fangkong.gatherings.selectors import gathering_risk_blocks
from fangkong.policy.selectors import active_profile as policy_in_force

PLAN_TEXT_MAX = 5000
PLAN_FILE_SNIFF_BYTES = 8 * 1024 * 1024  # a .docx is read whole to look inside the zip; others need a few bytes


def plan_file_max_bytes() -> int:
    return getattr(settings, "FANGKONG_PLAN_FILE_MAX_MB", 10) * 1024 * 1024


def _risk_reason(blocks, first: dt.date, last: dt.date) -> str:
    parts = []
    for r in blocks:
        what = r.get_level_display() if r.level in ("high", "medium") else r.get_zone_display()
        until = r.lifted_on.isoformat() if r.lifted_on else _("until lifted")
        parts.append(_("%(area)s is %(what)s from %(start)s (%(until)s)") % {
            "area": r.region_name, "what": what, "start": r.starts_on.isoformat(), "until": until})
    return _("gatherings are refused in a high or medium risk area or a sealed or controlled zone on the event's dates "
             "(%(first)s to %(last)s): %(records)s") % {"first": first.isoformat(), "last": last.isoformat(),
                                                          "records": "; ".join(parts)}


def _check_plan_file(upload, errors: dict[str, str]) -> tuple[str, str] | None:
    """(content type, cleaned name) of an acceptable plan file; an error on `plan_file` otherwise."""
    limit = plan_file_max_bytes()
    size = getattr(upload, "size", None) or 0
    if size > limit:
        errors["plan_file"] = _("the file is %(size).1f MB; the limit is %(limit)d MB") % {
            "size": size / 1024 / 1024, "limit": limit // 1024 // 1024}
        return None
    if size == 0:
        errors["plan_file"] = _("the file is empty")
        return None
    upload.seek(0)
    head = upload.read(PLAN_FILE_SNIFF_BYTES)
    upload.seek(0)
    content_type = rules.sniff_plan_file(head)
    if content_type is None:
        errors["plan_file"] = _("only PDF, Word (.docx), JPEG or PNG files are accepted")
        return None
    return content_type, rules.clean_file_name(getattr(upload, "name", ""), content_type)


def gathering_submit(
    *,
    by,
    area: Area,
    title: str,
    kind: str,
    organiser: str,
    contact_name: str,
    contact_phone: str,
    venue: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    expected_attendance: int,
    plan_text: str,
    measures: list[str] | tuple[str, ...] = (),
    plan_file=None,
) -> Gathering:
    """Submit an application for an event of more than 50 people, to be decided by the level above its area.

    Refused with a reason per field: 50 people or fewer (no application needed), a start in the
    past, an area that is a high/medium risk area or a sealed/controlled zone on the event's dates.
    """
    require(by, actions.GATHERING_SUBMIT, area.code)
    errors: dict[str, str] = {}
    text = {"title": (title, 200), "organiser": (organiser, 200), "contact_name": (contact_name, 50), "venue": (venue, 200)}
    cleaned = {}
    for key, (value, limit) in text.items():
        cleaned[key] = " ".join(str(value or "").split())
        if not cleaned[key]:
            errors[key] = _("required")
        elif len(cleaned[key]) > limit:
            errors[key] = _("at most %(n)d characters") % {"n": limit}
    if kind not in GatheringKind.values:
        errors["kind"] = _("unknown kind; one of %(kinds)s") % {"kinds": ", ".join(GatheringKind.values)}
    phone = normalize_mobile(contact_phone or "")
    if phone is None:
        errors["contact_phone"] = _("not a mainland mobile number (11 digits starting with 1)")
    more_than = policy_in_force().gatherings.more_than  # the profile in force (at least the documents' 50)
    if expected_attendance is None or expected_attendance <= more_than:
        errors["expected_attendance"] = _(
            "events of %(n)d people or fewer need no application; an application is for more than %(n)d people"
        ) % {"n": more_than}
    elif expected_attendance > rules.MAX_ATTENDANCE:
        errors["expected_attendance"] = _("more than %(n)d people is not a plausible figure") % {"n": rules.MAX_ATTENDANCE}
    plan = (plan_text or "").strip()
    if not plan:
        errors["plan_text"] = _("describe the prevention plan")
    elif len(plan) > PLAN_TEXT_MAX:
        errors["plan_text"] = _("at most %(n)d characters") % {"n": PLAN_TEXT_MAX}
    measures = list(dict.fromkeys(measures or ()))
    unknown = [m for m in measures if m not in GatheringMeasure.values]
    if unknown:
        errors["measures"] = _("unknown measure(s) %(bad)s; known: %(known)s") % {
            "bad": ", ".join(unknown), "known": ", ".join(GatheringMeasure.values)}
    decided_at = rules.approver_code(area.code)
    if decided_at is None:
        errors["area_code"] = _("choose the county, township or village where the event takes place "
                                "(city-wide events are decided by the province)")
    now = timezone.now()
    tz = timezone.get_default_timezone()
    if starts_at <= now:
        errors["starts_at"] = _("the event must start in the future")
    if ends_at <= starts_at:
        errors["ends_at"] = _("the event must end after it starts")
    elif (ends_at - starts_at) > dt.timedelta(days=rules.MAX_DAYS):
        errors["ends_at"] = _("an application covers at most %(n)d days; apply for a longer event month by month") % {
            "n": rules.MAX_DAYS}
    file_info = _check_plan_file(plan_file, errors) if plan_file is not None else None
    if "ends_at" not in errors and "area_code" not in errors:
        first, last = rules.event_days(starts_at, ends_at, tz)
        blocks = gathering_risk_blocks(area_code=area.code, first_day=first, last_day=last)
        if blocks:
            errors["area_code"] = _risk_reason(blocks, first, last)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        gathering = Gathering(
            **cleaned, kind=kind, contact_phone_sealed=seal(phone), contact_phone_hash=lookup_hash(phone),
            contact_phone_masked=mask_phone(phone), area=area, area_code=area.code, approver_code=decided_at,
            starts_at=starts_at, ends_at=ends_at, expected_attendance=expected_attendance, plan_text=plan,
            measures=measures, submitted_by=by, submitted_at=now,
        )
        if file_info is not None:
            _store_plan_file(gathering, plan_file, *file_info)
        gathering.save()
        _gathering_step(gathering, Gathering.Status.SUBMITTED, by, "")
    return gathering


def _store_plan_file(gathering: Gathering, upload, content_type: str, name: str) -> None:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    gathering.plan_file.save("plan", File(upload), save=False)  # the stored name is random (models._gathering_plan_path)
    gathering.plan_file_name, gathering.plan_file_type = name, content_type
    gathering.plan_file_size, gathering.plan_file_sha256 = upload.size, digest.hexdigest()


def gathering_attach_plan(*, by, gathering: Gathering, plan_file) -> Gathering:
    """Attach (or replace) the plan file of a submitted application: only its applicant, before the decision."""
    require(by, actions.GATHERING_SUBMIT, gathering.area_code)
    if gathering.submitted_by_id != by.pk and not by.is_superuser:
        raise NotAllowed(_("only the applicant may change the plan file"))
    errors: dict[str, str] = {}
    if gathering.status != Gathering.Status.SUBMITTED:
        errors["status"] = _("the application is %(status)s; the plan can change only before the decision") % {
            "status": gathering.get_status_display()}
    info = _check_plan_file(plan_file, errors) if not errors else None
    if errors:
        raise InvalidInput(errors)
    old = gathering.plan_file.name
    with transaction.atomic():
        _store_plan_file(gathering, plan_file, *info)
        gathering.save(update_fields=["plan_file", "plan_file_name", "plan_file_type", "plan_file_size", "plan_file_sha256"])
        audit.record(by, actions.GATHERING_SUBMIT, obj=gathering, reason="plan file attached",
                     changes={"plan_file_sha256": gathering.plan_file_sha256, "plan_file_size": gathering.plan_file_size})
        if old:
            storage = gathering.plan_file.storage
            transaction.on_commit(lambda: storage.delete(old))
    return gathering


def _gathering_step(gathering: Gathering, status: str, by, reason: str) -> GatheringStep:
    action = {Gathering.Status.APPROVED: actions.GATHERING_DECIDE, Gathering.Status.REJECTED: actions.GATHERING_DECIDE,
              Gathering.Status.CANCELLED: actions.GATHERING_CANCEL}.get(status, actions.GATHERING_SUBMIT)
    audit.record(by, action, obj=gathering, reason=reason, changes={"status": status, "title": gathering.title})
    return GatheringStep.objects.create(
        gathering=gathering, status=status, by=by if getattr(by, "pk", None) else None,
        by_name=(by.get_full_name() or by.username) if getattr(by, "pk", None) else "", reason=reason,
    )


def _locked(gathering: Gathering) -> Gathering:
    """The row again, locked for the decision (two deciders at once: the second sees the first's decision)."""
    return Gathering.objects.select_for_update().get(pk=gathering.pk)


def _require_status(gathering: Gathering, *allowed: str) -> None:
    if gathering.status not in allowed:
        raise InvalidInput({"status": _("the application is already %(status)s") % {"status": gathering.get_status_display()}})


def _require_decider(by, gathering: Gathering) -> None:
    require(by, actions.GATHERING_DECIDE, gathering.area_code)
    if not rules.may_decide(user_area_code=by.area_code, decided_at=gathering.approver_code,
                                      is_superuser=by.is_superuser):
        decider = Area.objects.filter(code=gathering.approver_code).values_list("name", flat=True).first()
        raise NotAllowed(_("this application is decided by %(node)s (the level above the event's area) or above it; "
                           "users at the event's level or below cannot decide it") % {"node": decider or gathering.approver_code})
    if gathering.submitted_by_id == by.pk:
        raise NotAllowed(_("the applicant cannot decide their own application"))


def _decide(gathering: Gathering, by, status: str, reason: str) -> Gathering:
    now = timezone.now()
    gathering.status, gathering.decided_by, gathering.decided_at, gathering.reason = status, by, now, reason
    gathering.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    _gathering_step(gathering, status, by, reason)
    return gathering


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = " ".join((reason or "").split())
    if required and not reason:
        raise InvalidInput({"reason": _("give the reason")})
    if len(reason) > 500:
        raise InvalidInput({"reason": _("at most %(n)d characters") % {"n": 500}})
    return reason


def gathering_approve(*, by, gathering: Gathering, reason: str = "") -> Gathering:
    """Approve, by the level above the event's area; refused while the area is at risk on the event's dates."""
    _require_decider(by, gathering)
    reason = _clean_reason(reason, required=False)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.SUBMITTED)
        if locked.starts_at <= timezone.now():
            raise InvalidInput({"starts_at": _("the event has already started; it can no longer be approved")})
        first, last = rules.event_days(locked.starts_at, locked.ends_at, timezone.get_default_timezone())
        blocks = gathering_risk_blocks(area_code=locked.area_code, first_day=first, last_day=last)
        if blocks:
            raise InvalidInput({"area_code": _risk_reason(blocks, first, last)})
        _decide(locked, by, Gathering.Status.APPROVED, reason)
    return locked


def gathering_reject(*, by, gathering: Gathering, reason: str) -> Gathering:
    """Reject, by the level above the event's area, with a reason (required: the applicant must know why)."""
    _require_decider(by, gathering)
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.SUBMITTED)
        _decide(locked, by, Gathering.Status.REJECTED, reason)
    return locked


def gathering_withdraw(*, by, gathering: Gathering, reason: str = "") -> Gathering:
    """The applicant takes back an application that is not decided yet."""
    require(by, actions.GATHERING_SUBMIT, gathering.area_code)
    if gathering.submitted_by_id != by.pk and not by.is_superuser:
        raise NotAllowed(_("only the applicant may withdraw an application"))
    reason = _clean_reason(reason, required=False)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.SUBMITTED)
        locked.status, locked.reason = Gathering.Status.WITHDRAWN, reason
        locked.save(update_fields=["status", "reason"])
        _gathering_step(locked, Gathering.Status.WITHDRAWN, by, reason)
    return locked


def gathering_cancel(*, by, gathering: Gathering, reason: str) -> Gathering:
    """Call off an approved event (the organiser gives up, or the deciders stop it, e.g. after a case nearby)."""
    own = gathering.submitted_by_id == by.pk
    require(by, actions.GATHERING_SUBMIT if own else actions.GATHERING_CANCEL, gathering.area_code)
    if not own and not rules.may_decide(user_area_code=by.area_code, decided_at=gathering.approver_code,
                                                  is_superuser=by.is_superuser):
        raise NotAllowed(_("only the applicant or the level that decides may cancel an approved event"))
    reason = _clean_reason(reason, required=True)
    with transaction.atomic():
        locked = _locked(gathering)
        _require_status(locked, Gathering.Status.APPROVED)
        if locked.ends_at <= timezone.now():
            raise InvalidInput({"status": _("the event is over")})
        locked.status, locked.reason = Gathering.Status.CANCELLED, reason
        locked.save(update_fields=["status", "reason"])
        _gathering_step(locked, Gathering.Status.CANCELLED, by, reason)
    return locked
