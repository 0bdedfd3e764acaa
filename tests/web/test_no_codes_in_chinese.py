"""Issue 12 §6: a page in Chinese shows no policy code and no English sentence of ours. Walks the pages of a
worker's day with an order, an alarm and an arrival on them, and reads the text a person sees."""

from __future__ import annotations

import html
import re

from fangkong.control import services as control_services
from fangkong.policy.labels import MEASURE_LABELS
from fangkong.policy.selectors import active_profile
from tests.control.test_control_views import order  # noqa: F401 - the fixture

ENGLISH_OF_OURS = ("has no result", "no check-in since", "positive test due", " rule ", "Home isolation")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)  # tags and their attributes (codes in values and links are fine)
    return html.unescape(page)


def test_the_pages_of_a_workers_day_show_no_code_in_chinese(client, order, user_a):  # noqa: F811
    control_services.checkin_record(by=user_a, order=order, temperature="38.5", symptoms=["cough", "fatigue"])
    client.force_login(user_a)
    codes = {*MEASURE_LABELS, *active_profile().categories, "national-9th-2022", "seed-2021", "cough", "fatigue"}
    codes.discard("none")
    pages = ["/control/today/", "/control/orders/", f"/control/orders/{order.pk}/", f"/people/{order.person_id}/",
             "/control/escalations/", "/control/codes/", "/control/arrivals/"]
    for url in pages:
        text = visible_text(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
        shown = sorted(code for code in codes if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text))
        assert not shown, f"{url} shows codes: {shown}"
        english = [s for s in ENGLISH_OF_OURS if s in text]
        assert not english, f"{url} shows English: {english}"
