"""The gazetteer: China's provinces, cities, county-level units and townships (国家统计局
统计用区划代码, from data/divisions.json), with the names documents of past years still use
(data/former_names.json). Loaded once, when first asked.

A unit's path runs province › city › district › town; a 直辖市 is its own city (上海市 › 上海市 ›
松江区 › 车墩镇), a county-level city governed by its province (仙桃市) has no city.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
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
# '江华瑶族自治县' -> '江华县', '积石山保安族东乡族撒拉族自治县' -> '积石山县': an autonomous county as its
# own papers and its neighbours' name it (the peoples of China's autonomous units, longest first)
AUTONOMOUS_COUNTY = re.compile(
    r"^(.{2,}?)(?:(?:柯尔克孜|维吾尔|哈萨克|塔吉克|达斡尔|鄂温克|蒙古|土家|布依|朝鲜|哈尼|傈僳|拉祜|东乡|纳西"
    r"|景颇|仫佬|布朗|撒拉|毛南|仡佬|锡伯|普米|独龙|保安|裕固|回|藏|苗|彝|壮|满|侗|瑶|白|傣|黎|佤|畲|水|土|羌|怒|各)族?)+"
    r"自治县$"
)
TOWNSHIP = re.compile(r"(?:镇|乡|街道|苏木)$")
# A district that may have been the 县 or county-level 市 of its stem (崇明区: 崇明县), unlike 新区, 城区, 矿区, 郊区.
DISTRICT_OF_STEM = re.compile(r"[^新城矿郊]区$")


@dataclass(eq=False, slots=True)
class Unit:
    code: str  # the package's code: 2, 4, 6 or 9 digits by level
    name: str
    level: str  # province, city, district, town

    @property
    def parent(self) -> Unit | None:
        """The unit of the longest code prefix that is a unit."""
        units = gazetteer().by_code
        return next((units[self.code[:n]] for n in (6, 4, 2) if n < len(self.code) and self.code[:n] in units), None)

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


class Units(Mapping[str, Unit]):
    """code -> Unit over the data file's own code -> name table: a unit is made when first asked for
    (a document's reading asks for a few dozen of the 44,000), and is the same object after."""

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names
        self._made: dict[str, Unit] = {}

    def __getitem__(self, code: str) -> Unit:
        unit = self._made.get(code)
        if unit is None:
            unit = self._made[code] = Unit(code, self._names[code], LEVEL_OF_CODE[len(code)])
        return unit

    def __contains__(self, code: object) -> bool:
        return code in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class Gazetteer:
    """The data file's code -> name table, and the indexes of names built from it when first used,
    as tables of codes (a process that only looks up codes never builds them)."""

    def __init__(self, version: str, names_by_code: dict[str, str]) -> None:
        self.version = version
        self.names_by_code = names_by_code
        self.by_code = Units(names_by_code)

    @cached_property
    def names(self) -> dict[str, list[str]]:
        """Full, former and derived names -> the codes of the units they name."""
        names: dict[str, list[str]] = {}
        for code, name in self.names_by_code.items():
            names.setdefault(name, []).append(code)
        for former, now, within, _year in _read("former_names.json")["names"]:
            scope = names.get(within, [])
            targets = [c for c in names.get(now, []) if len(scope) == 1 and c.startswith(scope[0])]
            if len(targets) != 1:
                raise ValueError(f"former_names.json: {former} -> {now} in {within} is not one unit")
            _add(names, former, targets[0])
        # A 县 or county-level 市 turned into a 区 of the same stem (崇明县 -> 崇明区, 从化市 -> 从化区), and an
        # autonomous county by its short name, where no unit of today has that name.
        derived: set[str] = set()
        for code, name in [(c, n) for c, n in self.names_by_code.items() if len(c) == 6]:
            if len(name) >= 3 and DISTRICT_OF_STEM.search(name):
                for former in (name[:-1] + "县", name[:-1] + "市"):
                    if former not in names or former in derived:
                        derived.add(former)
                        _add(names, former, code)
            short = AUTONOMOUS_COUNTY.match(name)  # a derived name two units may have (连山县: 连山区 too)
            if short and (short.group(1) + "县" not in names or short.group(1) + "县" in derived):
                derived.add(short.group(1) + "县")
                _add(names, short.group(1) + "县", code)
        return names

    @cached_property
    def short(self) -> dict[str, list[str]]:
        """Short forms people write (上海, 浦东) -> codes, when only one unit has them."""
        names = self.names
        short: dict[str, list[str]] = {}
        patterns = {2: SHORT_PROVINCE, 4: SHORT_CITY, 6: SHORT_DISTRICT}
        for code, name in [(c, n) for c, n in self.names_by_code.items() if len(c) < 9]:
            stem = patterns[len(code)].sub("", AUTONOMOUS_CITY.sub("州", name) if len(code) == 4 else name)
            if len(stem) >= 2 and stem != name and stem not in names:
                _add(short, stem, code)
        # a short form only one unit has, or a city and its own district (荆州市, 荆州区: the city, on the
        # path of both); 吉林 stays none (吉林省 or 吉林市: a user's 市:吉林 is no province)
        return {
            k: top
            for k, v in short.items()
            if (top := v if len(v) == 1 else [c for c in v if len(c) == 4 and all(w.startswith(c) for w in v)])
        }

    @cached_property
    def lengths(self) -> dict[str, list[int]]:
        """By a name's first two characters: the lengths of the names and short forms, longest first."""
        lengths: dict[str, list[int]] = {}
        for name in sorted([*self.names, *self.short], key=len, reverse=True):
            seen = lengths.setdefault(name[:2], [])
            if not seen or seen[-1] != len(name):
                seen.append(len(name))
        return lengths

    @cached_property
    def codes(self) -> list[str]:
        """Every code, sorted: the units below one are the run after it that starts with its code."""
        return sorted(self.names_by_code)

    def named(self, name: str) -> list[Unit]:
        return [self.by_code[c] for c in self.names.get(name, ())]

    def short_named(self, name: str) -> list[Unit]:
        return [self.by_code[c] for c in self.short.get(name, ())]


def _read(name: str) -> dict:
    with resources.files("policysearch").joinpath(f"data/{name}").open(encoding="utf-8") as f:
        return json.load(f)


def _add(index: dict[str, list[str]], name: str, code: str) -> None:
    codes = index.setdefault(name, [])
    if code not in codes:
        codes.append(code)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = _read("divisions.json")
    return Gazetteer(data["version"], data["units"])


def _unique(units: list[Unit]) -> Unit | None:
    return units[0] if len(units) == 1 else None


def units(name: str) -> list[Unit]:
    """Every unit a name may mean: its full name, a former name (today's unit), or a short form
    only one unit has (上海, 浦东, 广西)."""
    g = gazetteer()
    name = re.sub(r"\s+", "", name or "")
    found = g.named(name) or g.short_named(name)
    if not found and name.endswith("街道办事处"):
        found = g.named(name[:-3])
    return found


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
    names, short, lengths = g.names, g.short, g.lengths
    out: list[tuple[int, int, list[Unit]]] = []
    i, end = 0, len(text)
    while i < end:
        # most positions start no name: one look-up of their first two characters
        for n in lengths.get(text[i : i + 2], ()):
            word = text[i : i + n]
            if i + n > end or n == 2 and not (i in short_at or out and out[-1][1] == i):
                continue
            if word in names:
                found = g.named(word)
            elif word in short and i in short_at:
                found = [u for u in g.short_named(word) if u.level in ("province", "city")]
            else:
                continue
            found = [u for u in found if u.level != "town" or TOWNSHIP.search(u.name)]
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
    # the Party's and the Youth League's committees of a unit are named after it ('共青团山东省委')
    start = re.match(r"(?:中共|中国共产党|共青团|中国共产主义青年团)?", text).end()  # type: ignore[union-attr]  # matches the empty string too
    run: list[list[Unit]] = []
    while True:
        # a street office is named as the district government's ('上海市浦东新区人民政府陆家嘴街道办事处')
        if run and text.startswith("人民政府", start) and re.match(r"\S{2,8}?街道", text[start + 4 :]):
            start += 4
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
    codes = g.codes
    for code in codes[bisect_left(codes, unit.code) : bisect_left(codes, unit.code + ":")]:  # ':' follows the digits
        out[LEVEL_OF_CODE[len(code)]].add(g.names_by_code[code])
    if unit.code[:2] in MUNICIPALITIES and unit.level == "province":
        out["city"].add(unit.name)
    return out
