"""What a search page asks of the library: its hits and its trend strip from one state of the
index, the phrase table asked once, and its facet links as Search.toggled would make them."""

import json

import pytest

from policysearch import render
from policysearch.store import phrases as phrases_module
from policysearch.store import snapshot as snapshot_module
from policysearch.web.app import Search

QUERIES = [
    ('"城中村"', {}),
    ('"的"', {}),
    ("城中村 改造", {}),
    ('"改造" OR "更新"', {"year": "2023-2025"}),
    ('"推进" -"城中村"', {"section": "plan"}),
    ('"的" "发展"', {"year": "2025"}),
]


@pytest.mark.parametrize("query, filters", QUERIES)
def test_the_page_gets_exactly_search_and_trend(sample_index, query, filters):
    results, trend = sample_index.search_with_trend(query, limit=5, offset=2, **filters)
    alone = sample_index.search(query, limit=5, offset=2, **filters)
    assert render.results_json(results) == render.results_json(alone) and results.total
    others = {k: v for k, v in filters.items() if k != "year"}
    assert json.dumps(trend) == json.dumps(sample_index.trend([query], by="year", **others))


def test_no_trend_without_hits(sample_index):
    results, trend = sample_index.search_with_trend('"没有这样的句子"')
    assert results.total == 0 and trend is None


def test_the_phrase_table_hands_out_a_phrase_once_per_page(sample_index, monkeypatch):
    """Every match of a phrase, when its sets leave too many paragraphs to look at."""
    monkeypatch.setattr(snapshot_module, "LOOK_AT", -1)
    asked = []
    real = phrases_module.PhraseIndex.match

    def counting(self, query, below):
        asked.append(query)
        return real(self, query, below)

    monkeypatch.setattr(phrases_module.PhraseIndex, "match", counting)
    sample_index.search_with_trend('"城中村"')
    assert asked == ['(body : "城中 中村")']
    sample_index.search('"城中村"')
    sample_index.trend(['"城中村"'])
    assert len(asked) == 3  # two calls, two snapshots: asked again


@pytest.mark.parametrize(
    "search",
    [
        Search(q='"城中村" 改造'),
        Search(q="a&b=c", filters={"year": "2024"}, sort="date", page=3, limit=20),
        Search(q="", filters={"town": "车墩镇", "year": "2020-2022"}, page=2),
        Search(q="x", filters={"city": "上海 市", "doc_type": "通知"}),
    ],
)
def test_facet_links_are_the_toggled_searches_urls(search):
    values = ["2024", "2020-2022", "车墩镇", "上海 市", "a b&c=d+%", "通知", ""]
    for keyword in ("year", "town", "doc_type", "city", "province", "section"):
        url = search.toggle_urls(keyword)
        for value in values:
            assert url(value) == search.toggled(keyword, value).url(), (keyword, value)
