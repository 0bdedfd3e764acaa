from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from fangkong.core import ratelimit
from fangkong.core.api_support import (
    Body,
    ErrorOut,
    Text,
    allowed_to,
    responses,
)
from fangkong.healthcodes import actions, verification
from fangkong.healthcodes.services import health_code_refresh
from fangkong.people.services import person_find_by_document

router = Router(tags=["health codes"])


class VerifyIn(Body):
    token: Text = Field("", max_length=64, description="the token in the person's QR code")
    id_number: Text = Field("", max_length=40, description="or a resident ID number typed at a checkpoint")
    device: Text = Field(min_length=1, max_length=64, description="the scanner's identifier, for rate limiting and the log")


class VerifyOut(Schema):
    colour: str
    name: str = Field(description="masked")
    at: dt.datetime


@router.post("/verify", response=responses({200: VerifyOut, 429: ErrorOut}),
                     auth=allowed_to(actions.HEALTH_CODE_VERIFY))
def verify(request, body: VerifyIn, response: HttpResponse):
    """Health-code verification (验码): only the colour, a masked name and the time. Every call is logged."""
    # Counted in the database, so the limit holds across all server worker processes. A well-formed
    # token scan is usually answered before it gets here, by healthcodes.fastpath, with this same service.
    if body.token:
        verified = verification.verification_by_token(by=request.user, device=body.device, token=body.token,
                                                  limit=verification.VERIFY_PER_MINUTE)
        verdict, result = verified.verdict, verified.answer
    else:
        # A typed ID number: counted per user (never per a device name the caller chooses) and logged.
        verdict = ratelimit.hit(verification.VERIFY_RULE, verification.verification_subject(request.user.pk),
                                limit=verification.VERIFY_PER_MINUTE, window=60, plain=True)
        result = None
        if verdict.allowed:
            code = None
            if body.id_number:
                person = person_find_by_document(id_type="resident_id", id_number=body.id_number)
                code = health_code_refresh(person=person) if person is not None else None
            result = verification.verification_record(by=request.user, device=body.device, code=code)
    if not verdict.allowed:
        response["Retry-After"] = str(verdict.retry_after)
        return Status(429, {"detail": _("too many verifications; wait a minute")})
    if result is None:
        return Status(404, {"detail": _("no such health code")})
    return result

