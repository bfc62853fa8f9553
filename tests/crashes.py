"""When a test process dies in C code (SIGSEGV, SIGABRT…), the last lines of the run say where.

pytest's faulthandler writes a dying pytest-xdist worker's stacks to stderr, in the middle of
the output, where the tail of a CI log misses them, and with the crashing thread somewhere
among the others. Here each worker writes them to a file of its own instead; the controller
prints them at the end of its report, the crashing thread first, and appends them to
``$KB_TEST_CRASH_REPORT`` when that is set (``make test`` prints that file after both passes).
"""
from __future__ import annotations

import faulthandler
import os
import shutil
import tempfile
from pathlib import Path

import pytest

FOLDER_VARIABLE = "KB_TEST_FAULT_DIR"
REPORT_VARIABLE = "KB_TEST_CRASH_REPORT"
KEPT_LINES = 60  # per crash: the crashing thread's stack comes first


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(trylast=True)  # after pytest's own faulthandler plugin, which this replaces
def pytest_configure(config: pytest.Config) -> None:
    if not _is_worker(config):
        # The workers, started after this, inherit the folder.
        os.environ[FOLDER_VARIABLE] = tempfile.mkdtemp(prefix="kb-test-faults-")
        return
    folder = os.environ.get(FOLDER_VARIABLE)
    if folder:
        name = Path(folder) / f"{config.workerinput['workerid']}.txt"
        handle = open(name, "w", encoding="utf-8")  # noqa: SIM115 — faulthandler keeps it open
        faulthandler.enable(file=handle, all_threads=True)


def crashing_thread_first(dump: str) -> list[str]:
    """faulthandler's output with the "Current thread" block moved up, the rest after it."""
    blocks: list[list[str]] = [[]]
    for line in dump.splitlines():
        if line.startswith(("Thread 0x", "Current thread 0x", "Extension modules:")):
            blocks.append([])
        blocks[-1].append(line)
    current = [b for b in blocks if b and b[0].startswith("Current thread")]
    others = [b for b in blocks if b not in current and not (b and b[0].startswith("Extension"))]
    return [line for block in (others[:1] + current + others[1:]) for line in block]


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    folder = os.environ.get(FOLDER_VARIABLE)
    if _is_worker(config) or not folder or not Path(folder).is_dir():
        return
    reports = []
    for dump in sorted(Path(folder).glob("*.txt")):
        text = dump.read_text(encoding="utf-8", errors="replace").strip()
        if text:
            lines = crashing_thread_first(text)[:KEPT_LINES]
            reports.append(f"--- test process {dump.stem} died ---\n" + "\n".join(lines))
    shutil.rmtree(folder, ignore_errors=True)
    if not reports:
        return
    terminalreporter.section("a test process died in C code", sep="=", red=True)
    for report in reports:
        terminalreporter.write_line(report)
    if target := os.environ.get(REPORT_VARIABLE):
        with open(target, "a", encoding="utf-8") as out:
            out.write("\n".join(reports) + "\n")
