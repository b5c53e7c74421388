"""Shared test setup: the repository root on sys.path, and paths built from it."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# One BLAS thread (as `make test` sets), also when pytest is run directly; before NumPy.
import runtime  # noqa: E402, F401

# isort: split

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root. AppTest resolves relative paths against the test file, so build
    script paths from this: ``AppTest.from_file(str(root / "pages" / "x.py"))``."""
    return ROOT
