"""A trend as a chart, SVG or PNG, with Chinese labels drawn in a CJK font of the machine
(matplotlib, imported only when a chart is asked for)."""

from __future__ import annotations

import os

from .errors import PolicySearchError
from .render import RATE_WORDS, cell_label

FORMATS = {".svg": "svg", ".png": "png"}
# Families that hold Chinese characters, the simplified-Chinese faces first.
CJK_FAMILIES = (
    "Noto Sans CJK",
    "Source Han Sans",
    "Noto Serif CJK",
    "Source Han Serif",
    "WenQuanYi",
    "Sarasa",
    "Droid Sans Fallback",
    "Microsoft YaHei",
    "PingFang",
    "Hiragino Sans GB",
    "Heiti",
    "SimHei",
    "SimSun",
    "Songti",
    "AR PL",
)
PROBE = "镇区年"  # characters a font must have to label a chart of this genre
CAPTION_WIDTH = 70  # characters per caption line (a Chinese character counts as one)


def chart_format(path: str) -> str:
    """svg or png, from the file's name."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise PolicySearchError(f"cannot write a chart to {path}: name a .svg or .png file")
    return FORMATS[ext]


def cjk_font() -> str:
    """The file of a font on this machine that draws Chinese: a known family first, else any font
    that has the characters. Raises PolicySearchError when there is none."""
    from matplotlib import font_manager, ft2font

    fonts = sorted(
        font_manager.fontManager.ttflist,
        key=lambda f: (
            next((i for i, family in enumerate(CJK_FAMILIES) if family.lower() in f.name.lower()), len(CJK_FAMILIES)),
            f.weight != 400,
            f.style != "normal",
            f.fname,
        ),
    )
    for font in fonts:
        try:
            face = ft2font.FT2Font(font.fname)
        except (OSError, RuntimeError):
            continue
        if all(face.get_char_index(ord(ch)) for ch in PROBE):
            return font.fname
    raise PolicySearchError(
        "no font with Chinese characters found for the chart: install one "
        "(Debian, Ubuntu: apt-get install fonts-noto-cjk)"
    )


def caption(result: dict) -> str:
    """The denominators of every cell, so that each bar's rate can be read back to its counts;
    lines break between cells, never inside one."""

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    parts = [f"Rate: {RATE_WORDS[result['per']]} of each {result['by']}, under the same filters. Denominators:"]
    parts += [
        f"{cell_label(c['key'])}: {plural(c['total_paragraphs'], 'paragraph')}, "
        f"{plural(c['total_reports'], 'report')}" + (" (thin);" if c["thin"] else ";")
        for c in result["cells"]
    ]
    parts.append("thin (hatched): fewer than 3 reports.")
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) >= CAPTION_WIDTH:
            lines.append("")
        lines[-1] += (" " if lines[-1] else "") + part
    return "\n".join(lines)


def write_chart(result: dict, path: str) -> None:
    """One group of bars per cell, one bar per query, thin cells hatched, denominators below."""
    from matplotlib import font_manager, rc_context
    from matplotlib.figure import Figure

    fmt = chart_format(path)
    cells, queries = result["cells"], result["queries"]
    if not cells:
        raise PolicySearchError("nothing to chart: no paragraphs under these filters")
    font = font_manager.FontProperties(fname=cjk_font())
    keys = [cell_label(c["key"]) for c in cells]
    lines = caption(result).count("\n") + 1
    with rc_context({"svg.fonttype": "path", "axes.unicode_minus": False}):
        fig = Figure(
            figsize=(max(6.0, 0.5 * len(cells) * max(1, len(queries)) + 2), 4.5 + 0.18 * lines), layout="constrained"
        )
        ax = fig.add_subplot()
        step = 0.8 / len(queries)
        for n, query in enumerate(queries):
            xs = [i - 0.4 + step * (n + 0.5) for i in range(len(cells))]
            rates = [c["series"][n]["rate"] for c in cells]
            bars = ax.bar(xs, rates, width=step * 0.95, label=query)
            for b, c in zip(bars, cells):
                if c["thin"]:
                    b.set_hatch("//")
                    b.set_alpha(0.55)
        ax.set_xticks(
            range(len(cells)),
            keys,
            fontproperties=font,
            rotation=45 if len(cells) > 8 else 0,
            ha="right" if len(cells) > 8 else "center",
        )
        ax.set_ylabel(RATE_WORDS[result["per"]], fontproperties=font)
        ax.set_title(" · ".join(queries) + f" by {result['by']}", fontproperties=font)
        if len(queries) > 1:
            ax.legend(prop=font)
        ax.spines[["top", "right"]].set_visible(False)
        fig.get_layout_engine().set(h_pad=0.2)  # type: ignore[union-attr, call-arg]  # constrained layout
        fig.supxlabel(caption(result), fontproperties=font, fontsize=8, ha="left", x=0.01)
        try:
            fig.savefig(path, format=fmt, dpi=150)
        except OSError as e:
            raise PolicySearchError(f"cannot write the chart to {path}: {e.strerror or e}") from None
