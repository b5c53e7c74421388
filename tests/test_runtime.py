"""Process set-up: every entry point asks for one BLAS thread before NumPy is imported, and
importing the engine changes nothing in the process."""

import os
import subprocess
import sys

from conftest import ROOT

import runtime

# Every script that starts a process: the server, the app, the tests and every benchmark.
ENTRY_POINTS = ["serve.py", "app.py", "tests/conftest.py",
                *sorted(f"bench/{p.name}" for p in (ROOT / "bench").glob("bench_*.py"))]


def _run(code: str, env: dict) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_runtime_gives_numpy_one_blas_thread():
    env = {k: v for k, v in os.environ.items() if k not in runtime.THREAD_VARIABLES}
    code = ("import runtime, numpy, threadpoolctl; "
            "print(max(p['num_threads'] for p in threadpoolctl.threadpool_info()))")
    assert _run(code, env) == "1"


def test_importing_the_engine_changes_nothing_in_the_process():
    env = {k: v for k, v in os.environ.items() if k not in runtime.THREAD_VARIABLES}
    code = ("import os, engine; "
            "print(sorted(k for k in os.environ if k.endswith('_NUM_THREADS')))")
    assert _run(code, env) == "[]"


def test_importing_the_engine_leaves_the_allocator_alone():
    """Only the server asks malloc to keep freed memory (engine.keep_freed_memory); importing
    the engine, or any trainer module, never reaches mallopt."""
    code = ("import ctypes\n"
            "calls = []\n"
            "real = ctypes.CDLL\n"
            "class Spy:\n"
            "    def __init__(self, *a, **k): self._lib = real(*a, **k)\n"
            "    def __getattr__(self, name):\n"
            "        calls.append(name)\n"
            "        return getattr(self._lib, name)\n"
            "ctypes.CDLL = Spy\n"
            "import engine, engine.images, engine.sequences, engine.gan\n"
            "before = list(calls)\n"
            "engine.keep_freed_memory()\n"
            "print(before, 'mallopt' in calls)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    assert _run(code, env) == "[] True"  # the spy sees the call when it is made


def test_every_entry_point_imports_runtime_before_anything_heavy():
    assert len(ENTRY_POINTS) >= 9
    for path in ENTRY_POINTS:
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("import runtime"))
        before = [line for line in lines[:first]
                  if line.startswith(("import ", "from ")) and "numpy" in line
                  or line.startswith(("from engine", "from ui", "import streamlit"))]
        assert before == [], (path, before)
