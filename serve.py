"""Serve the app: `streamlit run serve.py`.

The same app as `app.py`, plus two things a plain `streamlit run app.py` lacks:

- the route through which the live charts fetch their frames while training plays
  (ui/live/frames.py), which spares the browser and the server a Streamlit script run
  per redraw (without it the charts redraw from fragments on a timer);
- a shared link to a page works as the first request after a start. Streamlit decides once per
  process, at its first script run, whether the app uses the old `pages/` folder navigation;
  when that first run is a deep link (`/Playground?...`) it picks the old one, runs the page
  without app.py's `st.navigation`, and keeps the old sidebar for every session until restart.
  app.py always calls `st.navigation`, so the question is settled here, before any run.
"""

import runtime  # noqa: F401 - first, before NumPy: one BLAS thread

# isort: split

import streamlit as st  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402

from engine import keep_freed_memory  # noqa: E402
from ui.live.frames import routes  # noqa: E402

keep_freed_memory()  # a long-running server keeps freed memory (engine/_memory.py)
PagesManager.uses_pages_directory = False  # app.py navigates with st.navigation (see above)
app = st.App("app.py", routes=routes())
