"""Shared fixtures: the sample corpus of the repository and a real Whoosh index built from it."""

import json
import os
import shutil

import pytest
from helpers import CORPUS, SEEDS


@pytest.fixture(scope="session")
def seeds():
    with open(SEEDS, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def corpus_reports():
    from policysearch import read_report

    return [read_report(os.path.join(CORPUS, name)) for name in sorted(os.listdir(CORPUS))]


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory):
    """An index of the sample corpus, built once; tests must not write to it."""
    from policysearch import Index

    ix = Index(tmp_path_factory.mktemp("sample") / "index")
    ix.build(CORPUS)
    return ix


@pytest.fixture
def corpus_copy(tmp_path):
    dst = tmp_path / "corpus"
    shutil.copytree(CORPUS, dst)
    return dst
