"""A reproducible synthetic collection of N town reports made from the sample corpus.

    python benchmarks/make_corpus.py 2000 benchmarks/out/corpus-2000

The body paragraphs of the sample reports (read with policysearch.read_report, headings left out)
are pooled by section type, shuffled and recombined sentence-wise, and laid out as real report files
in the genre's shape: a title line, a date line naming the district, town and congress, "各位代表：",
an opening, "一、YYYY年工作回顾" with "（一）…" subsections, "二、YYYY年主要任务" with subsections
and a closing; about one in five is a "XX镇YYYY年工作要点" instead. Each report gets one of ~50 real
Shanghai towns (from the gazetteer, policysearch/data/divisions.json) and a year 2015–2025, and the sample towns'
names in the text are replaced with it, so the town, district and year facets vary. One file in ten
is hard-wrapped at 27 characters with blank lines between the pieces (as a PDF copy), so that repair
runs. Same N and seed, same files, byte for byte.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(os.path.dirname(HERE), "corpus")
SEED = 20240601
TOWNS = 50
YEARS = range(2015, 2026)
SAMPLE_TOWNS = ("车墩", "长征", "颛桥", "庙行")
SAMPLE_DISTRICTS = ("松江", "普陀", "闵行", "宝山")
CN = "〇一二三四五六七八九十"
WRAP_SHARE = 0.1
WORK_PLAN_SHARE = 0.2
SUBSECTION = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]\s*")
SENTENCE = re.compile(r"(?<=[。；！？])")


def cn_number(n: int) -> str:
    if n <= 10:
        return CN[n]
    tens, ones = divmod(n, 10)
    return (CN[tens] if tens > 1 else "") + "十" + (CN[ones] if ones else "")


def towns(count: int = TOWNS, seed: int = SEED) -> list[tuple[str, str]]:
    """(town, district) for `count` real Shanghai towns: 镇 only (streets hold no people's congress),
    two-character names or longer, drawn with a fixed seed from the sorted gazetteer."""
    from policysearch import places

    pairs = sorted(
        (u.name, u.parent.name)
        for u in places.gazetteer().by_code.values()
        if u.code.startswith("31") and u.level == "town" and u.name.endswith("镇") and len(u.name) >= 3
    )
    return sorted(random.Random(seed).sample(pairs, count))


def sample_pools(folder: str = SAMPLE):
    """Body paragraphs by section type, and subsection headings by the type of their part."""
    from policysearch import read_report
    from policysearch.readers import walk

    pools, headings = collections.defaultdict(list), collections.defaultdict(list)
    for path in walk([folder]):
        report = read_report(path)
        types = {s.heading: s.type for s in report.sections}
        for p in report.paragraphs:
            if p.heading:
                m = SUBSECTION.match(p.text)
                part = types.get(p.section[0]) if p.section else None
                if m and len(p.section) == 2 and part in ("review", "plan"):
                    headings[part].append(p.text[m.end() :])
            elif p.section_type in ("review", "plan", "goals", "problems") and len(p.text) >= 40:
                pools[p.section_type].append(p.text)
            elif p.section_type == "closing" and CLOSING.search(p.text):
                pools["closing"].append(p.text)
    for key in pools:
        pools[key].sort()
    for key in headings:
        headings[key] = sorted(set(headings[key]))
    return dict(pools), dict(headings)


CLOSING = re.compile(r"让我们|我们要更加紧密")
PLACE = re.compile("|".join(SAMPLE_TOWNS + tuple(d + "区" for d in SAMPLE_DISTRICTS) + SAMPLE_DISTRICTS))


def localize(text: str, town: str, district: str) -> str:
    """The sample towns and districts named in a paragraph become this report's."""
    short_town, short_district = town[:-1], district[:-1] if district.endswith("区") else district

    def swap(m):
        s = m.group(0)
        if s in SAMPLE_TOWNS:
            return short_town
        return district if s.endswith("区") else short_district

    return PLACE.sub(swap, text)


def recombine(rng: random.Random, pool: list[str]) -> str:
    """One paragraph of the pool, or the head of one joined to the tail of another (sentences)."""
    a = rng.choice(pool)
    if rng.random() < 0.5:
        return a
    b = rng.choice(pool)
    sa = [s for s in SENTENCE.split(a) if s]
    sb = [s for s in SENTENCE.split(b) if s]
    if len(sa) < 2 or len(sb) < 2:
        return a
    return "".join(sa[: rng.randint(1, len(sa) - 1)] + sb[rng.randint(1, len(sb) - 1) :])


def part(rng, pool, headings, paragraphs: int) -> list[str]:
    """Subsections '（一）…' with their paragraphs."""
    count = rng.randint(3, 6)
    titles = rng.sample(headings, min(count, len(headings)))
    lines = []
    per = max(1, paragraphs // len(titles))
    for i, title in enumerate(titles, 1):
        lines.append(f"（{cn_number(i)}）{title}")
        n = per if i < len(titles) else paragraphs - per * (len(titles) - 1)
        lines += [recombine(rng, pool) for _ in range(max(1, n))]
    return lines


def make_report(rng: random.Random, pools, headings, town: str, district: str, year: int) -> tuple[str, list[str]]:
    """-> (file name stem, lines of the report)."""
    month, day = rng.randint(1, 3), rng.randint(1, 28)
    congress, session = rng.randint(5, 21), rng.randint(1, 9)
    work_plan = rng.random() < WORK_PLAN_SHARE
    review_n, plan_n = rng.randint(16, 24), rng.randint(18, 26)
    if work_plan:
        lines = [f"{town}{year}年工作要点", ""]
        lines += [recombine(rng, pools["goals"]) for _ in range(2)]
        lines += ["一、总体要求", recombine(rng, pools["goals"]), "二、主要任务"]
        lines += part(rng, pools["plan"], headings["plan"], plan_n + review_n // 2)
        lines += [f"{district}{town}人民政府", f"{year}年{month}月{day}日"]
    else:
        lines = [
            f"{town}政府工作报告",
            "",
            f"——{year}年{month}月{day}日在{district}{town}第{cn_number(congress)}届人民代表大会"
            f"第{cn_number(session)}次会议上",
            "",
            "各位代表：",
            "",
            f"现在，我代表{town}人民政府，向大会报告工作，请予审议，并请列席人员提出意见。",
            f"一、{year - 1}年工作回顾",
        ]
        lines += part(rng, pools["review"], headings["review"], review_n)
        lines.append(recombine(rng, pools["problems"]))
        lines += [f"二、{year}年主要任务", recombine(rng, pools["goals"])]
        lines += part(rng, pools["plan"], headings["plan"], plan_n)
        lines.append(recombine(rng, pools["closing"]))
    lines = [localize(line, town, district) for line in lines]
    return ("gyyd" if work_plan else "zfgzbg"), lines


def hard_wrap(lines: list[str], width: int = 27) -> list[str]:
    """As text copied from a PDF: every line cut at `width` characters, blank lines between."""
    out = []
    for line in lines:
        out += [line[i : i + width] for i in range(0, len(line), width)] or [""]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of reports")
    ap.add_argument("out", help="folder to write (created; existing .txt files in it are replaced)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--sample", default=SAMPLE, help="folder of sample reports (default: corpus/)")
    args = ap.parse_args(argv)
    pools, headings = sample_pools(args.sample)
    places = towns(seed=args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.endswith(".txt"):
            os.remove(os.path.join(args.out, name))
    total_bytes = total_paragraphs = wrapped = 0
    for i in range(args.n):
        town, district = rng.choice(places)
        year = rng.choice(YEARS)
        kind, lines = make_report(rng, pools, headings, town, district, year)
        total_paragraphs += sum(1 for line in lines if line)
        if rng.random() < WRAP_SHARE:
            lines = hard_wrap(lines)
            wrapped += 1
        data = ("\n\n".join(line for line in lines if line) + "\n").encode("utf-8")
        with open(os.path.join(args.out, f"{i:05d}_{town}_{year}_{kind}.txt"), "wb") as f:
            f.write(data)
        total_bytes += len(data)
    print(
        f"{args.n} reports in {args.out}: {total_bytes / 1e6:.1f} MB, {total_paragraphs} lines written "
        f"(paragraphs and headings), {wrapped} hard-wrapped, {len(places)} towns, years "
        f"{YEARS.start}-{YEARS.stop - 1}; pools: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(pools.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
