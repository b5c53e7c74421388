"""Shared test setup: the repository root on sys.path, and paths built from it."""

import os
import sys
from pathlib import Path

# Tiny matrices: one BLAS thread (as `make test` sets), also when pytest is run directly; must
# be set before NumPy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root. AppTest resolves relative paths against the test file, so build
    script paths from this: ``AppTest.from_file(str(root / "pages" / "x.py"))``."""
    return ROOT
