"""The list of red and yellow codes under the user's node, with why, exported whole (issue 12 §4)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from fangkong.core import exports
from fangkong.core.access import log_access
from fangkong.core.text import is_digits
from fangkong.healthcodes import selectors

COLOURS = {"red": ("red",), "yellow": ("yellow",), "": ("red", "yellow")}
EXPORT_HEADER = ["姓名", "证件号码", "区域编码", "健康码", "原因", "变更时间"]


@login_required
def code_list(request):
    colour, area = request.GET.get("colour", ""), request.GET.get("area", "")
    if colour not in COLOURS or (area and not (is_digits(area) and len(area) <= 18)):
        raise Http404
    qs = selectors.codes_of_colour(user=request.user, colours=COLOURS[colour], area_code=area)
    fmt = request.GET.get("export", "")
    if fmt in ("csv", "xlsx"):
        count = qs.count()
        log_access(user=request.user, action="export", object_type="healthcode", fields=f"masked list of {count} persons",
                   reason=f"code list {fmt} filter colour={colour or 'red+yellow'} area={area or request.user.area_code}",
                   request=request)
        rows = ([name, number, code, colour_, "；".join(reasons or []), timezone.localtime(at).strftime("%Y-%m-%d %H:%M")]
                for name, number, code, colour_, reasons, at in qs.values_list(
                    "person__name", "person__id_number_masked", "area_code", "colour", "reasons", "updated_at")
                .iterator(chunk_size=2000))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if fmt == "csv":
            return exports.csv_response(f"codes-{stamp}.csv", EXPORT_HEADER, rows)
        return exports.xlsx_response(f"codes-{stamp}.xlsx", EXPORT_HEADER, rows, title="codes")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "healthcodes/code_list.html", {"page": page, "colour": colour, "area": area})
