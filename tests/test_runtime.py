"""Process set-up: every entry point asks for one BLAS thread before NumPy is imported, and
importing the engine changes nothing in the process."""

import os
import subprocess
import sys

from conftest import ROOT

import runtime

ENTRY_POINTS = ["serve.py", "app.py", "tests/conftest.py", "bench/bench_engine.py",
                "bench/bench_live.py", "bench/bench_compare.py"]


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


def test_every_entry_point_imports_runtime_before_anything_heavy():
    for path in ENTRY_POINTS:
        lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("import runtime"))
        before = [line for line in lines[:first]
                  if line.startswith(("import ", "from ")) and "numpy" in line
                  or line.startswith(("from engine", "from ui", "import streamlit"))]
        assert before == [], (path, before)
