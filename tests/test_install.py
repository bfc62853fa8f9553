"""What `make install` puts in the venv, where it matters for more than speed."""
from __future__ import annotations

from sqlalchemy.util import has_compiled_ext


def test_sqlalchemy_is_installed_without_its_compiled_extensions():
    """With SQLAlchemy 2.1.9's Cython modules, a test process's heap was corrupted (browser
    tests, then tests/core/test_concurrent_lookups.py, in one process) and it died of SIGSEGV
    in later, unrelated code: 6 of 6 runs; built without them, 0 of 6 (2 December 2026; the
    crashes of ci3 and stop 19). The Makefile builds it from source with
    DISABLE_SQLALCHEMY_CEXT=1; kb serve warns otherwise."""
    assert not has_compiled_ext(), "SQLAlchemy's compiled extensions are loaded: `make install` again"
