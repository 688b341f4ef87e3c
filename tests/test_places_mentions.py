"""places.mentions tries at each position only the lengths its table of first two characters lists:
on real files, it finds what a plain scan of every length finds, with the rules of its docstring
restated here (short forms of a province or city at `short_at` only, two-character names there or
right after another name, no township-level unit that is no 镇, 乡, 街道 or 苏木)."""

from pathlib import Path

import pytest

from policysearch import places

REAL = sorted(p for p in (Path(__file__).parent / "fixtures" / "realdocs").rglob("*") if p.suffix in (".txt", ".md"))


def scan(text: str, short_at: tuple[int, ...]) -> list[tuple[int, int, list[str]]]:
    g = places.gazetteer()
    longest = max(map(len, [*g.names, *g.short]))
    out: list[tuple[int, int, list[str]]] = []
    i = 0
    while i < len(text):
        for n in range(min(longest, len(text) - i), 1, -1):
            word = text[i : i + n]
            if n == 2 and i not in short_at and not (out and out[-1][1] == i):
                continue
            found = g.named(word) or [
                u for u in g.short_named(word) if i in short_at and u.level in ("province", "city")
            ]
            codes = [u.code for u in found if u.level != "town" or places.TOWNSHIP.search(u.name)]
            if codes:
                out.append((i, i + n, codes))
                i += n
                break
        else:
            i += 1
    return out


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_mentions_finds_what_a_scan_of_every_length_finds(path):
    text = path.read_text(encoding="utf-8")[:600]
    lines = {i + 1 for i, c in enumerate(text) if c == "\n"}  # short forms also where a line starts
    for short_at in ((0,), (0, *sorted(lines))):
        got = [(s, e, [u.code for u in found]) for s, e, found in places.mentions(text, short_at)]
        assert got == scan(text, short_at)


def test_short_forms_at_a_line_start_are_found_as_the_scan_finds_them():
    """Each short form of a province or city in the gazetteer starting a line of its own (上海口岸服务条例)."""
    stems = [stem for stem, codes in sorted(places.gazetteer().short.items()) if len(codes[0]) < 6]
    text = "".join(f"{stem}口岸服务条例\n" for stem in stems)
    lines = (0, *(i + 1 for i, c in enumerate(text) if c == "\n"))
    got = [(s, e, [u.code for u in found]) for s, e, found in places.mentions(text, lines)]
    assert len(got) > len(stems) / 2 and got == scan(text, lines)
