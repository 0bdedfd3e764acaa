"""What every ninja router of the API shares: bearer tokens, one error body, safe input types, paging.

Every 4xx answer has the same shape, so a client can show the reason next to the field:

    {"detail": "invalid input", "errors": [{"field": "id_number", "reason": "..."}]}

Messages that are ours go through gettext (English msgids), so the caller's
Accept-Language picks the language.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer
from pydantic import AfterValidator, BeforeValidator, model_validator

from .dates import plausible
from .models import ApiToken
from .text import INVISIBLE, strip_bidi

# Control characters (NUL breaks PostgreSQL text, the rest have no business in a name
# or an address) and lone surrogates (cannot be stored as UTF-8).
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
MAX_BIGINT = 2**63 - 1


class Documented:
    """Adds keywords to a type's JSON schema (OpenAPI) without changing its validation.

    For rules a validator enforces with its own message (control characters, the date range):
    the schema says the same, so a client (or schemathesis) can tell a valid value beforehand.
    """

    def __init__(self, **keywords: Any):
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema, handler):
        schema = handler(core_schema)
        schema.update(self.keywords)
        return schema


# _FORBIDDEN as a JSON Schema (ECMA-262) pattern: what _plain_text accepts. Lone surrogates are left out:
# they are not Unicode scalar values, and a range of them makes the pattern unusable to many validators
# (Rust's regex refuses it, and schemathesis then ignores the whole pattern).
_CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
_PLAIN_TEXT_PATTERN = rf"^[^{_CONTROL}]*$"
# And at least one character that is neither a space nor invisible: what core.text.clean_line leaves of a name.
_VISIBLE_TEXT_PATTERN = rf"^[^{_CONTROL}]*[^\s{_CONTROL}{INVISIBLE}][^{_CONTROL}]*$"


def _plain_text(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError("must not contain control characters")
    return strip_bidi(value)  # core.text: stored text displays in the order it is stored


def _iso_date(value: Any) -> Any:
    # pydantic would also read 0 or "1700000000" as a Unix time; a date is YYYY-MM-DD and nothing else.
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


# Within core.dates.EARLIEST..LATEST: year 1 or 9999 would overflow the first date arithmetic (a 500).
# The schema says the same: format date, years 1900-2099 (core.dates.EARLIEST..LATEST).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(plausible),
                    Documented(pattern=r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$")]
# A month, YYYY-MM in the same years (year 0 was a 500 in the calendar), or empty for "this month".
YearMonth = Annotated[str, Field(pattern=r"^((19|20)[0-9]{2}-(0[1-9]|1[0-2]))?$")]
BoundedDateTime = Annotated[dt.datetime, AfterValidator(plausible), Documented(pattern=r"^(19|20)[0-9]{2}-")]
# A string that is safe to store and to put in a query on both databases.
Text = Annotated[str, AfterValidator(_plain_text), Documented(pattern=_PLAIN_TEXT_PATTERN)]
# Text that must say something once spaces and invisible characters are cleaned away (a name): the schema says so.
VisibleText = Annotated[str, AfterValidator(_plain_text), Documented(pattern=_VISIBLE_TEXT_PATTERN)]
# A mainland mobile number, read by core.ids.normalize_mobile (which also takes spaces, dashes and 0086): the schema
# gives the plain and the +86 form, so that what it allows is always accepted.
_MOBILE_PATTERN = r"(\+86)?1[3-9][0-9]{9}"
MobilePhone = Annotated[str, AfterValidator(_plain_text), Documented(pattern=rf"^{_MOBILE_PATTERN}$")]
MobilePhoneOrEmpty = Annotated[str, AfterValidator(_plain_text), Documented(pattern=rf"^({_MOBILE_PATTERN})?$")]
# An area code: digits only (short national form, 12-digit form, or a local grid/building code).
AreaCode = Annotated[str, Field(pattern=r"^[0-9]{2,24}$", description="area code: 2 to 24 digits")]


def _finite_number(value: Any) -> Any:
    # Python's JSON reader takes NaN and Infinity; neither is a measurement, and NaN compares false with every limit.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number, not NaN or Infinity")
    return value


# A thermometer reading in °C. The range is wide on purpose: the service names a body temperature's (34–43 °C) in
# the user's language, with the row and the field; this only keeps absurd numbers (1e308) from the arithmetic.
# (The constraint comes before the validator: after it, pydantic would print `ge`/`le` in the schema, not
# minimum/maximum, and the OpenAPI would promise any number.)
Temperature = Annotated[float, Field(ge=0, le=100, description="°C, 34 to 43"), BeforeValidator(_finite_number)]

# A database id in a path or a body: positive and within a 64-bit integer.
def _not_a_boolean(value: Any) -> Any:
    # JSON true would otherwise pass as the record 1; path parameters still arrive as digit strings.
    if isinstance(value, bool):
        raise ValueError("must be a record number, not true or false")
    return value


RecordId = Annotated[int, Field(ge=1, le=MAX_BIGINT), BeforeValidator(_not_a_boolean)]


class Body(Schema):
    """Base of every request body: a JSON object, nothing else (ninja's Schema would read a list as "no fields")."""

    @model_validator(mode="before")
    @classmethod
    def _must_be_an_object(cls, data: Any) -> Any:
        obj = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps the input first
        if not isinstance(obj, dict | Schema):
            raise ValueError("the body must be a JSON object")
        return data


class FieldError(Schema):
    field: str | None = Field(description="the input field at fault (dotted path), or null")
    reason: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class ApiError(Exception):
    """An answer other than success, with the uniform body."""

    def __init__(self, status: int, detail: str, errors: Iterable[tuple[str | None, str]] = ()):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = [{"field": f, "reason": r} for f, r in errors]

    def body(self) -> dict:
        return {"detail": self.detail, "errors": self.errors}


def invalid(field: str, reason: str) -> ApiError:
    return ApiError(422, _("invalid input"), [(field, reason)])


def forbidden(field: str | None, reason: str) -> ApiError:
    return ApiError(403, _("forbidden"), [(field, reason)])


def not_found(field: str | None) -> ApiError:
    return ApiError(404, _("not found"), [(field, _("no such record in your area"))])


# Status codes every operation may answer with (documented in the OpenAPI schema). 413: core.middleware's
# RequestBodyGuard refuses an oversize body on any path. 429 only where a limit applies (declared there).
ERROR_CODES = (400, 401, 403, 404, 409, 413, 422)


def responses(ok: dict[int, Any]) -> dict[int, Any]:
    """A ninja `response=` mapping: the success code(s) plus the uniform error body for every error code."""
    out: dict[int, Any] = dict(ok)
    for code in ERROR_CODES:
        out.setdefault(code, ErrorOut)
    return out


# A token's last use is recorded at most this often (a write per request would cost more than the request).
TOKEN_TOUCH_SECONDS = 60


def plausible_token(token: str) -> bool:
    """Worth a lookup: not empty, and not so long that hashing it is the attack (ours are 46 characters)."""
    return bool(token) and len(token) <= 200


def token_issued_after() -> dt.datetime:
    """Tokens issued at or before this moment have expired (settings.API_TOKEN_DAYS after their issue)."""
    return timezone.now() - dt.timedelta(days=settings.API_TOKEN_DAYS)


def token_expires_at(created_at: dt.datetime) -> dt.datetime:
    return created_at + dt.timedelta(days=settings.API_TOKEN_DAYS)


def token_used(pk: int, last_used_at: dt.datetime | None) -> None:
    """Record a token's use, at most every TOKEN_TOUCH_SECONDS."""
    now = timezone.now()
    if last_used_at is None or (now - last_used_at).total_seconds() > TOKEN_TOUCH_SECONDS:
        ApiToken.objects.filter(pk=pk).update(last_used_at=now)


class BearerToken(HttpBearer):
    """`Authorization: Bearer fk_…`; only the token's SHA-256 is stored."""

    def authenticate(self, request, token: str):
        if not plausible_token(token):
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), revoked=False, user__is_active=True,
                    created_at__gt=token_issued_after())
            .first()
        )
        if row is None:
            return None
        token_used(row.pk, row.last_used_at)
        request.user = row.user
        return row.user


class ActionAllowed(BearerToken):
    """A bearer token whose holder's role (and level) holds the operation's action.

    Checked in the operation's authentication step, before ninja reads the path, the query or the body: a caller
    refused by role learns nothing from validation errors. Whether the object lies in the caller's area is the
    service's `require` (404), after that.
    """

    def __init__(self, *names: str):
        super().__init__()
        from .permissions import action as registered

        self.actions = tuple(registered(name).name for name in names)

    def authenticate(self, request, token: str):
        user = super().authenticate(request, token)
        if user is not None:
            from .permissions import NotPermitted, require, role_allows

            if not any(role_allows(user, name) for name in self.actions):
                request.user = user  # the 403 handler names the role
                require(user, self.actions[0])  # raises NotPermitted with its reason
                raise NotPermitted(self.actions[0])
        return user


def allowed_to(*actions: str) -> ActionAllowed:
    """`auth=allowed_to(ACTION)` on a ninja operation that does the action (any one of several: the service
    decides which applies, e.g. the applicant's or the decider's cancel)."""
    return ActionAllowed(*actions)


def token_holder_id(token: str) -> int | None:
    """The id of the active user holding a bearer token, or None: what BearerToken checks, in one
    query without model instances (for the verification fast path)."""
    if not plausible_token(token):
        return None
    row = (
        ApiToken.objects.filter(digest=ApiToken.digest_of(token), revoked=False, user__is_active=True,
                                created_at__gt=token_issued_after())
        .values_list("pk", "user_id", "last_used_at")
        .first()
    )
    if row is None:
        return None
    token_used(row[0], row[2])
    return row[1]


class Page(Schema):
    """Paging query parameters shared by every list."""

    limit: int = Field(50, ge=1, le=500, description="rows per page (at most 500)")
    offset: int = Field(0, ge=0, le=10_000_000, description="rows to skip")


def page_of(qs: QuerySet, page: Page, render: Callable[[Any], Any] = lambda row: row) -> dict:
    """One page of a queryset (LIMIT/OFFSET on the database) and the total count."""
    rows = qs[page.offset : page.offset + page.limit]
    return {"count": qs.count(), "limit": page.limit, "offset": page.offset, "items": [render(r) for r in rows]}


def reject_unknown_query(request, *schemas: type[Schema]) -> None:
    """A misspelt filter (?areacode=…) must not silently answer the whole list: name it and refuse."""
    known = {name for schema in schemas for name in schema.model_fields}
    for name in request.GET:
        if name not in known:
            raise invalid(name, _("unknown query parameter; expected one of: %(names)s") % {"names": ", ".join(sorted(known))})


def error_field(loc: Iterable[Any]) -> str | None:
    """A pydantic/ninja error location ("body", "body", "tags", 0) as the field a client sent: "tags.0".

    ninja prefixes the source ("body", "query", "path") and, for a body or a grouped
    query schema, the parameter's own name; neither is something the client typed.
    """
    parts = [str(p) for p in loc]
    if not parts:
        return None
    source, rest = parts[0], parts[1:]
    if source in {"body", "query"} and len(rest) >= 2 and rest[0] in {"body", "filters", "page", "payload"} or source == "body" and rest and rest[0] in {"body", "payload"}:
        rest = rest[1:]
    return ".".join(rest) or source
