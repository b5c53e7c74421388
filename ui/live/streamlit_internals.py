"""The Streamlit internals this app relies on, in one place. Each is pinned by a test
(tests/test_streamlit_internals.py) that fails loudly if the pinned Streamlit changes it.

- `settle_navigation()`: Streamlit decides once per process, at its first script run, whether
  the app uses the old `pages/` folder navigation (the class attribute
  `PagesManager.uses_pages_directory`). When that first run is a deep link (`/Playground?...`)
  it picks the old one and keeps the old sidebar for every session until restart. app.py
  always calls `st.navigation`, so serve.py settles the question before any run.
- `fragment_only_run()`: whether the current script run reruns fragments only, read from the
  script-run context's `fragment_ids_this_run`.
- `process_registry(name)`: a module object kept in `sys.modules`, for state every session of
  the process shares (the frame route's channels). Streamlit reloads project modules whose
  files changed; a dictionary kept in one of them would be split between the copy the route
  holds and the copy the pages hold.
"""

import sys
import types


def settle_navigation() -> None:
    """Tell Streamlit that app.py navigates with `st.navigation`, not the `pages/` folder."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def fragment_only_run() -> bool:
    """Whether the current script run reruns fragments only (not the whole page)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def process_registry(name: str, **initial) -> types.ModuleType:
    """The process-wide registry `name` (created with attributes `initial` on first use)."""
    key = f"_nnp_{name}"
    reg = sys.modules.get(key)
    if reg is None:
        fresh = types.ModuleType(key)
        for attr, value in initial.items():
            setattr(fresh, attr, value)
        reg = sys.modules.setdefault(key, fresh)
    return reg
