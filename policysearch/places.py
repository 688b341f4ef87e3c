"""The gazetteer: China's provinces, cities, county-level units and townships (国家统计局
统计用区划代码, from data/divisions.json), with the names documents of past years still use
(data/former_names.json). Loaded once, when first asked.

A unit's path runs province › city › district › town; a 直辖市 is its own city (上海市 › 上海市 ›
松江区 › 车墩镇), a county-level city governed by its province (仙桃市) has no city.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

LEVELS = ("province", "city", "district", "town")
LEVEL_OF_CODE = {2: "province", 4: "city", 6: "district", 9: "town"}
MUNICIPALITIES = ("11", "12", "31", "50")  # 北京 天津 上海 重庆: 直辖市
# 'Xx市' -> 'Xx', '广西壮族自治区' -> '广西', 'Xx地区'/'Xx盟' -> 'Xx': what people write for a province or city.
SHORT_PROVINCE = re.compile(r"(?:壮族|回族|维吾尔)?(?:自治区|省|市)$")
SHORT_CITY = re.compile(r"(?:市|地区|盟)$")
# '阿坝藏族羌族自治州' -> '阿坝州', '黔西南布依族苗族自治州' -> '黔西南州': an autonomous prefecture
# as its own papers name it.
AUTONOMOUS_CITY = re.compile(
    r"(?:(?:朝鲜|土家|苗|藏|羌|彝|布依|侗|哈尼|壮|傣|白|景颇|傈僳|回|蒙古)族"
    r"|蒙古|柯尔克孜|哈萨克)+自治州$"
)
# 'Xx新区' -> 'Xx' (浦东), 'Xx县'/'Xx区'/'Xx市'/'Xx旗' -> 'Xx': only where no other unit shares it.
SHORT_DISTRICT = re.compile(r"(?:新区|区|县|市|旗)$")
TOWNSHIP = re.compile(r"(?:镇|乡|街道|苏木)$")


@dataclass(eq=False)
class Unit:
    code: str  # the package's code: 2, 4, 6 or 9 digits by level
    name: str
    level: str  # province, city, district, town
    parent: Unit | None = field(default=None, repr=False)

    @property
    def path(self) -> list[Unit]:
        """From the province down to this unit."""
        out: list[Unit] = []
        unit: Unit | None = self
        while unit:
            out.insert(0, unit)
            unit = unit.parent
        return out

    @property
    def place_code(self) -> str:
        """The 12-digit 统计用区划代码."""
        return self.code.ljust(12, "0")

    def within(self, other: Unit) -> bool:
        """This unit is `other` or lies below it."""
        return self.code.startswith(other.code)

    def fields(self) -> dict[str, str | None]:
        """province, city, district, town and place_code of a report issued by this unit."""
        out: dict[str, str | None] = dict.fromkeys(LEVELS)
        for unit in self.path:
            out[unit.level] = unit.name
        if self.code[:2] in MUNICIPALITIES:
            out["city"] = out["province"]
        out["place_code"] = self.place_code
        return out


@dataclass
class Gazetteer:
    version: str
    by_code: dict[str, Unit]
    names: dict[str, list[Unit]]  # full and former names
    short: dict[str, list[Unit]]  # short forms people write (上海, 浦东), when only one unit has them
    children: dict[str, list[Unit]]
    lengths: dict[str, list[int]]  # by a name's first two characters: the lengths of the names, longest first


def _read(name: str) -> dict:
    with resources.files("policysearch").joinpath(f"data/{name}").open(encoding="utf-8") as f:
        return json.load(f)


def _add(index: dict[str, list[Unit]], name: str, unit: Unit) -> None:
    units = index.setdefault(name, [])
    if unit not in units:
        units.append(unit)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = _read("divisions.json")
    by_code: dict[str, Unit] = {}
    children: dict[str, list[Unit]] = {}
    names: dict[str, list[Unit]] = {}
    for code, name in data["units"].items():  # sorted by code: parents come first
        parent = next((by_code[code[:n]] for n in (6, 4, 2) if n < len(code) and code[:n] in by_code), None)
        unit = Unit(code, name, LEVEL_OF_CODE[len(code)], parent)
        by_code[code] = unit
        children.setdefault(parent.code if parent else "", []).append(unit)
        _add(names, name, unit)
    for former, now, within, _year in _read("former_names.json")["names"]:
        scope = _unique(names.get(within, []))
        targets = [u for u in names.get(now, []) if scope and u.within(scope)]
        if len(targets) != 1:
            raise ValueError(f"former_names.json: {former} -> {now} in {within} is not one unit")
        _add(names, former, targets[0])
    # A 县 or county-level 市 turned into a 区 of the same stem (崇明县 -> 崇明区, 从化市 -> 从化区), where
    # no unit of today has that name.
    derived: set[str] = set()
    for unit in [u for u in by_code.values() if u.level == "district" and re.search(r"[^新城矿郊]区$", u.name)]:
        stem = unit.name[:-1]
        for former in (stem + "县", stem + "市"):
            if len(stem) >= 2 and (former not in names or former in derived):
                derived.add(former)
                _add(names, former, unit)
    short: dict[str, list[Unit]] = {}
    for unit in by_code.values():
        pattern = {"province": SHORT_PROVINCE, "city": SHORT_CITY, "district": SHORT_DISTRICT}.get(unit.level)
        name = AUTONOMOUS_CITY.sub("州", unit.name) if unit.level == "city" else unit.name
        stem = pattern.sub("", name) if pattern else ""
        if len(stem) >= 2 and stem != unit.name and stem not in names:
            _add(short, stem, unit)
    # a short form only one unit has, or a city and its own district (荆州市, 荆州区: the city, on the
    # path of both); 吉林 stays none (吉林省 or 吉林市: a user's 市:吉林 is no province)
    short = {
        k: top
        for k, v in short.items()
        if (top := v if len(v) == 1 else [u for u in v if u.level == "city" and all(w.within(u) for w in v)])
    }
    lengths: dict[str, list[int]] = {}
    for name in [*names, *short]:
        lengths.setdefault(name[:2], []).append(len(name))
    lengths = {k: sorted(set(v), reverse=True) for k, v in lengths.items()}
    return Gazetteer(data["version"], by_code, names, short, children, lengths)


def _unique(units: list[Unit]) -> Unit | None:
    return units[0] if len(units) == 1 else None


def units(name: str) -> list[Unit]:
    """Every unit a name may mean: its full name, a former name (today's unit), or a short form
    only one unit has (上海, 浦东, 广西)."""
    g = gazetteer()
    name = re.sub(r"\s+", "", name or "")
    found = g.names.get(name) or g.short.get(name, [])
    if not found and name.endswith("街道办事处"):
        found = g.names.get(name[:-3], [])
    return list(found)


def by_code(code: str) -> Unit | None:
    """The unit of a code, in the package's form or as a 12-digit 统计用区划代码 ('310112000000')."""
    code = re.sub(r"\D", "", code or "")
    g = gazetteer()
    return next((g.by_code[code[:n]] for n in (9, 6, 4, 2) if code[:n] in g.by_code and not code[n:].strip("0")), None)


def resolve(name: str, within: Unit | None = None) -> Unit | None:
    """The one unit a name means (below `within` if given); None when none or several do."""
    found = units(name)
    return _unique([u for u in found if within is None or u.within(within)])


def common(found: list[Unit]) -> Unit | None:
    """The lowest unit every one of `found` lies in or is (None when they share no province)."""
    if not found:
        return None
    prefix = found[0].code
    for unit in found[1:]:
        while not unit.code.startswith(prefix):
            prefix = prefix[:-1]
    g = gazetteer()
    return next((g.by_code[prefix[:n]] for n in (9, 6, 4, 2) if prefix[:n] in g.by_code), None)


def decide(found: list[Unit], text: str) -> Unit | None:
    """Among same-named units, the one a higher-level name in `text` points to (城关镇 with
    '临潭县' or '甘南藏族自治州' in the document); None when nothing decides."""
    if len(found) <= 1:
        return _unique(found)
    named = [u for u in found if any(a.name in text for a in u.path[:-1] if not _shared_by(a, found))]
    return _unique(named)


def _shared_by(ancestor: Unit, found: list[Unit]) -> bool:
    """An ancestor of every candidate decides nothing."""
    return all(u.within(ancestor) for u in found)


def mentions(text: str, short_at: tuple[int, ...] = (0,)) -> list[tuple[int, int, list[Unit]]]:
    """The unit names in `text`, longest first from each position, left to right: (start, end,
    units). Short forms of a province or city count only at the positions `short_at` (the start of
    an issuer or a title: 上海口岸服务条例): elsewhere 上海 is as often part of another word, and a
    district's (浦东, 泰山) is no issuer's name even there (泰山风景名胜区); so are names of two characters
    (和县, 唐镇: in 共和县, 后唐镇), which count there and right after another name (浦东新区唐镇).
    Township-level units that are no 镇, 乡, 街道 or 苏木 (农场, 林场, 开发区) are left out: their
    names are plain words."""
    g = gazetteer()
    out: list[tuple[int, int, list[Unit]]] = []
    i = 0
    while i < len(text):
        first = i in short_at or bool(out) and out[-1][1] == i
        for n in g.lengths.get(text[i : i + 2], ()):
            word = text[i : i + n]
            if len(word) < n or n == 2 and not first:
                continue
            found = [
                u
                for u in g.names.get(word)
                or [u for u in g.short.get(word, []) if i in short_at and u.level in ("province", "city")]
                if u.level != "town" or TOWNSHIP.search(u.name)
            ]
            if found:
                out.append((i, i + n, found))
                i += n
                break
        else:
            i += 1
    return out


def chain(text: str) -> list[list[Unit]]:
    """The run of unit names a name of an issuer starts with ('上海市闵行区吴泾镇人民政府',
    '中共杭州市委', '浙江省发展和改革委员会'), each narrowed to the units below the one before it:
    -> the candidates of each name. Empty when the text does not start with a unit."""
    start = re.match(r"(?:中共|中国共产党)?", text).end()  # type: ignore[union-attr]  # matches the empty string too
    run: list[list[Unit]] = []
    while True:
        # a province's or city's short form counts after the name above it too ('湖北省荆州住房公积金中心')
        hit = next(iter(mentions(text[start : start + 40], short_at=(0,))), None)
        if hit is None or hit[0] != 0:
            break
        found, end = hit[2], start + hit[1]
        if run:
            below = [u for u in found if any(u.within(p) and u is not p for p in run[-1])]
            if not below:
                break
            # the names before are narrowed to the ones this name lies in
            run = [[p for p in level if any(u.within(p) for u in below)] for level in run]
            found = below
        run.append(found)
        start = end
    return run


def below(unit: Unit) -> dict[str, set[str]]:
    """The names at each level of a unit and everything under it: what `place:NAME` matches."""
    g = gazetteer()
    out: dict[str, set[str]] = {level: set() for level in LEVELS}
    todo = [unit]
    while todo:
        u = todo.pop()
        out[u.level].add(u.name)
        todo.extend(g.children.get(u.code, []))
    if unit.code[:2] in MUNICIPALITIES and unit.level == "province":
        out["city"].add(unit.name)
    return out
