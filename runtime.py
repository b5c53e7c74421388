"""Process set-up shared by every entry point: serve.py, app.py, the tests and the benchmarks
import this first, before NumPy. It asks for one BLAS thread: at this project's sizes a matrix
product is too small to split, and the other core stays free for the server and the browser.
The engine itself changes nothing in the process when imported."""

import os

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

for _name in THREAD_VARIABLES:
    os.environ.setdefault(_name, "1")

# The environment a server process is started with (make run, the Dockerfile, deploy/replicas.py,
# the load bench): glibc gives threads arenas of their own, up to 8 per core, and each keeps the
# high-water mark of what its threads once held. The server builds its frames on a pool of
# threads, so its memory grew by steps whenever one arena met a new peak; two arenas bound that
# (the threads hold the GIL anyway, so they hardly wait for malloc). glibc reads this only when
# the process starts, so it cannot be set from here for the process itself.
SERVER_ENV = {"MALLOC_ARENA_MAX": "2"}
