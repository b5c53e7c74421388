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


def run_async(coro):
    """Run `coro` to completion on a thread of its own: the browser tests' Playwright (sync
    API) keeps an event loop running in the main thread for the whole session, where
    asyncio.run() refuses to start another."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
