"""Helpers for import tests: write a template-shaped .csv or .xlsx from row dicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from fangkong.people.normalize import TEMPLATE_COLUMNS
from tests.conftest import make_id_number

HEADERS = list(TEMPLATE_COLUMNS.values())


def person_row(area_code: str, name: str = "张三", seq: str = "123", **extra) -> dict:
    row = {
        "区域编码": area_code, "地址": "幸福路1号", "姓名": name, "证件类型": "身份证",
        "证件号码": make_id_number(seq=seq), "手机号码": "13800138000", "与户主关系": "户主",
    }
    row.update(extra)
    return row


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8-sig", headers: list[str] | None = None) -> Path:
    headers = headers or HEADERS
    with open(path, "w", newline="", encoding=encoding) as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict], headers: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    headers = headers or HEADERS
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings.MEDIA_ROOT
