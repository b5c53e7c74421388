"""Process set-up shared by every entry point: serve.py, app.py, the tests and the benchmarks
import this first, before NumPy. It asks for one BLAS thread: at this project's sizes a matrix
product is too small to split, and the other core stays free for the server and the browser.
The engine itself changes nothing in the process when imported."""

import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

for _name in THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")
