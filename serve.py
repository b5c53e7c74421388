"""Serve the app: `streamlit run serve.py`.

The same app as `app.py`, plus two things a plain `streamlit run app.py` lacks:

- the route through which the live charts fetch their frames while training plays
  (ui/live/frames.py), which spares the browser and the server a Streamlit script run per
  redraw (without it the charts redraw from fragments on a timer);
- a shared link to a page works as the first request after a start: the navigation question
  Streamlit settles at its first script run is settled here, before any run
  (ui/live/streamlit_internals.py).
"""

import runtime  # noqa: F401 - first, before NumPy: one BLAS thread

# isort: split

import sys  # noqa: E402

import streamlit as st  # noqa: E402

from engine import keep_freed_memory  # noqa: E402
from ui.live.frames import load_routes, routes  # noqa: E402
from ui.live.runner import SWITCH_INTERVAL  # noqa: E402
from ui.live.streamlit_internals import settle_navigation  # noqa: E402

# Training (ui/live/runner.py) holds the GIL between NumPy's small operations; a thread that
# waits for it (a frame being built) gets it after this long instead of the default 5 ms.
sys.setswitchinterval(SWITCH_INTERVAL)
keep_freed_memory()  # a long-running server keeps freed memory (engine/_memory.py)
settle_navigation()  # app.py navigates with st.navigation, not the pages/ folder
app = st.App("app.py", routes=routes() + load_routes())
