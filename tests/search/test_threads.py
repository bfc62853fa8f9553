"""Searches from several threads of one process (a threaded server, `kb run`) give the same
results as one at a time: Whoosh's readers are not thread-safe, so the index is used by one
thread at a time (IndexStore.exclusive). Without that, threads read each other's file
positions (UnpicklingError, wrong postings) and, under gunicorn's gthread workers, crashed
the process (SIGSEGV; scripts/thread_repro.py reproduces it).

The threads race in a child process (tests/search/threads_race.py), on the corpus app's
database and index, so that whatever they break cannot break this test process's later tests."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_concurrent_searches_match_sequential_ones(corpus_app, search_path):
    config = corpus_app.config
    run = subprocess.run(
        [sys.executable, "-m", "tests.search.threads_race", config["DATABASE_URL"], config["INDEX_DIR"],
         search_path],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, (
        f"exit status {run.returncode} (negative: killed by that signal)\n"
        f"{run.stdout[-3000:]}{run.stderr[-3000:]}")
