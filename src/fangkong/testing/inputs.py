"""Reading what samplers and labs type or scan: barcodes, results, Ct values, and the errors services raise."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.ids import to_halfwidth
from fangkong.core.text import clean_line

from .models import Result

BARCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$")
CT_RANGE = (Decimal("0"), Decimal("50"))


class InvalidInput(ValueError):
    """Bad input for a testing service: `errors` maps each field to its reason (shown to the user)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RepeatSample(InvalidInput):
    """The person was already sampled in this round: allowed only with a reason."""

    def __init__(self, site_name: str):
        super().__init__({"reason": _("already sampled in this round at %(site)s; give a reason to sample again")
                          % {"site": site_name}})
        self.site_name = site_name


def local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def clean_barcode(raw: str | None) -> str:
    code = to_halfwidth(clean_line(raw or "")).strip().upper()
    if not BARCODE.match(code):
        raise InvalidInput({"barcode": _("a barcode is 4 to 40 letters, digits or dashes")})
    return code


def parse_outcome(raw) -> str:
    text = clean_line(str(raw or "")).lower()
    for outcome, words in RESULT_WORDS.items():
        if text in words:
            return outcome
    raise InvalidInput({"result": _("negative, positive or invalid (阴性, 阳性, 无效)")})


RESULT_WORDS = {
    Result.Outcome.NEGATIVE: {"negative", "neg", "-", "阴性", "阴"},
    Result.Outcome.POSITIVE: {"positive", "pos", "+", "阳性", "阳"},
    Result.Outcome.INVALID: {"invalid", "无效", "inv"},
}


def parse_ct(raw) -> Decimal | None:
    text = clean_line(str(raw if raw is not None else ""))
    if not text:
        return None
    try:
        value = Decimal(to_halfwidth(text))
    except InvalidOperation:
        raise InvalidInput({"ct": _("a Ct value is a number such as 32.5")}) from None
    if not value.is_finite() or not CT_RANGE[0] <= value <= CT_RANGE[1]:
        raise InvalidInput({"ct": _("a Ct value lies between 0 and 50")})
    return value.quantize(Decimal("0.1"))


