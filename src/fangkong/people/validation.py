"""Validation of a person's fields, shared by the API, the UI forms and imports.

Pure: takes plain values, returns cleaned values or a dict of field -> reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from fangkong.core.clock import today as local_today
from fangkong.core.errors import InvalidInput
from fangkong.core.ids import check_resident_id, normalize_mobile
from fangkong.core.text import clean_line

ID_TYPES = {
    "resident_id", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent", "birth_certificate", "none",
}


class PersonInvalid(InvalidInput):
    """A person's fields that cannot be saved (422)."""


@dataclass
class CleanPerson:
    name: str
    id_type: str
    id_number: str  # normalised, "" when there is none
    birth_date: dt.date | None
    sex: str
    phone: str  # 11 digits or ""
    extra: dict = field(default_factory=dict)


def clean_person(
    *,
    name: str,
    id_type: str = "resident_id",
    id_number: str = "",
    birth_date: dt.date | None = None,
    sex: str = "",
    phone: str = "",
    today: dt.date | None = None,
) -> CleanPerson:
    """Validate and normalise; derive birth date and sex from a resident ID and cross-check them."""
    errors: dict[str, str] = {}
    name = clean_line(name)  # a name of zero-width characters only is empty
    if not name:
        errors["name"] = _("name is required")
    elif len(name) > 100:
        errors["name"] = _("name is longer than 100 characters")
    id_type = (id_type or "resident_id").strip()
    if id_type not in ID_TYPES:
        errors["id_type"] = _("unknown document type %(value)s") % {"value": id_type}
    id_number = (id_number or "").strip()
    sex = (sex or "").strip().upper()
    if sex in {"男", "MALE"}:
        sex = "M"
    elif sex in {"女", "FEMALE"}:
        sex = "F"
    if sex not in {"", "M", "F", "U"}:
        errors["sex"] = _("sex must be M or F")
    if id_type == "resident_id":
        if not id_number:
            errors["id_number"] = _("an ID number is required for document type resident_id")
        else:
            checked = check_resident_id(id_number, today=today)
            if not checked.valid:
                errors["id_number"] = _("invalid ID number: %(reason)s") % {"reason": checked.reason_in(_)}
            else:
                id_number = checked.normalized
                if birth_date and birth_date != checked.birth_date:
                    errors["birth_date"] = _("birth date %(entered)s does not match the ID number (%(derived)s)") % {
                        "entered": birth_date.isoformat(), "derived": checked.birth_date.isoformat()}
                if sex in {"M", "F"} and sex != checked.sex:
                    errors["sex"] = _("sex does not match the ID number")
                birth_date, sex = checked.birth_date, checked.sex
    elif id_type == "none":
        id_number = ""
    else:
        id_number = id_number.upper().replace(" ", "")
        if not id_number:
            errors["id_number"] = _("a document number is required for this document type")
        elif len(id_number) > 30 or not id_number.isalnum():
            errors["id_number"] = _("a document number has letters and digits only, at most 30")
    if birth_date and birth_date > (today or local_today()):
        errors["birth_date"] = _("birth date is in the future")
    phone = (phone or "").strip()
    if phone:
        normalized = normalize_mobile(phone)
        if normalized is None:
            errors["phone"] = _("not a mainland mobile number (11 digits starting with 1)")
        else:
            phone = normalized
    if errors:
        raise PersonInvalid(errors)
    return CleanPerson(name=name, id_type=id_type, id_number=id_number, birth_date=birth_date, sex=sex or "U", phone=phone)
