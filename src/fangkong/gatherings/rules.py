"""Rules of gathering applications (聚集性活动报批) that need no database: pure functions.

Who decides: the level above the event's area. An event in a village (or a grid or
building under it) is decided by its township, an event in a township by its county
or district, an event in a county by the city. Users on the chain above that node
may decide too; users at the event's own level or below may not. Area codes are
materialised paths, so "the level above" is a prefix of the event's code.

Plan files: what an uploaded prevention plan may be, judged by its first bytes
(never by the name the uploader gave it).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

# Code length of a node -> code length of the node that decides its applications.
_DECIDED_AT = {6: 4, 9: 6, 12: 9, 15: 9, 18: 9}
MAX_DAYS = 31  # an application covers at most a month of dates; a longer run applies month by month
MAX_ATTENDANCE = 1_000_000


def approver_code(area_code: str) -> str | None:
    """The code of the node that decides an application for `area_code`; None for a city or province.

    A grid or building is inside its village, so it is decided by the village's township.
    """
    length = _DECIDED_AT.get(len(area_code))
    return area_code[:length] if length else None


def may_decide(*, user_area_code: str, decided_at: str, is_superuser: bool = False) -> bool:
    """Whether a user bound at `user_area_code` stands where an application decided at node `decided_at` may be
    approved or rejected: at that node or above it on the same chain; not at the event's own level or below,
    not on another chain. Which roles decide at all is the permission policy's (`control.gathering.decide`)."""
    if is_superuser:
        return True
    if not user_area_code:
        return False
    return decided_at.startswith(user_area_code)


def event_days(starts_at: dt.datetime, ends_at: dt.datetime, tz: dt.tzinfo) -> tuple[dt.date, dt.date]:
    """The first and last local date an event occupies (an event ending at midnight does not touch the next day)."""
    first = starts_at.astimezone(tz).date()
    last = (ends_at - dt.timedelta(microseconds=1)).astimezone(tz).date()
    return first, max(first, last)


# --- plan files -----------------------------------------------------------------------------------

PLAN_FILE_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sniff_plan_file(data: bytes) -> str | None:
    """The content type of an accepted plan file from its bytes, or None when it is none of them.

    PDF, PNG and JPEG by their signatures; a .docx is a zip that holds word/document.xml
    (a zip of anything else, an old .doc, a script or an executable is refused).
    """
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return _DOCX
    return None


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


def clean_file_name(name: str, content_type: str) -> str:
    """The uploader's file name made safe to show and to offer as a download name (no path, no control characters)."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = _UNSAFE_NAME.sub("_", base).strip(" .") or "plan"
    stem, dot, ext = base.rpartition(".")
    wanted = PLAN_FILE_TYPES.get(content_type, "")
    if not dot or f".{ext.lower()}" not in {wanted, ".jpeg" if wanted == ".jpg" else wanted}:
        stem = base
        ext = wanted.lstrip(".")
    return f"{stem[:100]}.{ext}" if ext else stem[:100]
