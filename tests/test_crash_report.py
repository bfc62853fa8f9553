"""The suite's own crash report (tests/crashes.py): a worker that dies in C code is named, with
the crashing thread's stack, at the end of the run and in $KB_TEST_CRASH_REPORT."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CRASHING = '''
import ctypes
import threading
import time


def test_dies_in_c_code():
    threading.Thread(target=time.sleep, args=(30,), daemon=True, name="bystander").start()
    ctypes.string_at(0)
'''


@pytest.mark.slow
@pytest.mark.backend_independent
def test_a_worker_that_dies_is_reported_last_with_its_stack(tmp_path):
    (tmp_path / "test_crashing.py").write_text(CRASHING, encoding="utf-8")
    report = tmp_path / "crashes.txt"
    env = {**os.environ, "KB_TEST_CRASH_REPORT": str(report)}
    env.pop("KB_TEST_FAULT_DIR", None)  # the inner run's own
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.crashes", "-n", "1", "--max-worker-restart=0",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 1, run.stdout[-2000:]
    tail = run.stdout.split("a test process died in C code")[-1]
    assert "test process gw0 died" in tail and "Segmentation fault" in tail
    # The crashing thread's stack comes before the bystander's.
    assert tail.index("Current thread") < tail.index("Thread 0x")
    assert tail.index("test_dies_in_c_code") < tail.index("Thread 0x")
    assert "test_dies_in_c_code" in report.read_text(encoding="utf-8")
