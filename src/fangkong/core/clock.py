"""One place to ask what time it is, so tests and drills can move the clock."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """The local (Asia/Shanghai) date: the date a grid worker means by "today"."""
    return timezone.now().astimezone(SHANGHAI).date()
