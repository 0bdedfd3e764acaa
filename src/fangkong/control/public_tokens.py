"""Signed tokens for the public pages: a community's QR poster, a personal check-in link, a form's render time.

Every token is signed with the project's SECRET_KEY under its own salt (django.core.signing,
HMAC-SHA256), so one kind can never be passed off as another and none can be made without
the key. Parsers return None for anything that is not a valid token of their kind: they
never raise, whatever the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core import signing

COMMUNITY_SALT = "fangkong.declare.community"
CHECKIN_SALT = "fangkong.checkin.link"
STAMP_SALT = "fangkong.public.stamp"

_CODE = re.compile(r"^\d{2,24}$")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
MAX_TOKEN_LENGTH = 200


def _signer(salt: str) -> signing.Signer:
    return signing.Signer(salt=salt, algorithm="sha256")


def _unsign(token: str, salt: str):
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return _signer(salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None


@dataclass(frozen=True)
class CommunityRef:
    code: str
    generation: int


def community_token(code: str, generation: int = 0) -> str:
    if not _CODE.match(code) or generation < 0:
        raise ValueError("a community token needs a division code and a generation >= 0")
    return _signer(COMMUNITY_SALT).sign_object({"c": code, "g": generation})


def parse_community_token(token: str) -> CommunityRef | None:
    data = _unsign(token, COMMUNITY_SALT)
    if not isinstance(data, dict) or set(data) != {"c", "g"}:
        return None
    code, generation = data["c"], data["g"]
    if not isinstance(code, str) or not _CODE.match(code):
        return None
    if type(generation) is not int or generation < 0:
        return None
    return CommunityRef(code, generation)


@dataclass(frozen=True)
class LinkRef:
    link_id: int
    nonce: str


def checkin_token(link_id: int, nonce: str) -> str:
    if link_id <= 0 or not _NONCE.match(nonce):
        raise ValueError("a check-in token needs a link id and a nonce")
    return _signer(CHECKIN_SALT).sign_object({"l": link_id, "n": nonce})


def parse_checkin_token(token: str) -> LinkRef | None:
    data = _unsign(token, CHECKIN_SALT)
    if not isinstance(data, dict) or set(data) != {"l", "n"}:
        return None
    link_id, nonce = data["l"], data["n"]
    if type(link_id) is not int or link_id <= 0:
        return None
    if not isinstance(nonce, str) or not _NONCE.match(nonce):
        return None
    return LinkRef(link_id, nonce)


def render_stamp(page: str, at: int) -> str:
    """A hidden form field: which page rendered the form, and when (epoch seconds)."""
    return _signer(STAMP_SALT).sign_object({"p": page, "t": int(at)})


def stamp_age(stamp: str, page: str, now: int) -> int | None:
    """Seconds since the form was rendered for `page`; None when the stamp is forged, altered or for another page."""
    data = _unsign(stamp, STAMP_SALT)
    if not isinstance(data, dict) or set(data) != {"p", "t"}:
        return None
    if data["p"] != page or type(data["t"]) is not int:
        return None
    return int(now) - data["t"]


def public_url(request, path: str) -> str:
    """The absolute address a phone opens: settings.FANGKONG_PUBLIC["BASE_URL"] when set, else this request's own."""
    from django.conf import settings

    base = settings.FANGKONG_PUBLIC["BASE_URL"]
    return f"{base}{path}" if base else request.build_absolute_uri(path)
