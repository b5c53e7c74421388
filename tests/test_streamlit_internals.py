"""The Streamlit internals the app relies on (ui/live/streamlit_internals.py), pinned: each test
fails loudly if the pinned Streamlit changes what the app uses."""

import importlib
import sys
import threading

import streamlit
from streamlit.testing.v1 import AppTest

from ui.live import streamlit_internals as internals

PINNED = "1.67.0"


def test_the_streamlit_these_internals_were_checked_against():
    assert streamlit.__version__ == PINNED, (
        f"Streamlit {streamlit.__version__} is not the pinned {PINNED}: check every function of "
        "ui/live/streamlit_internals.py against it, then update PINNED")


def test_pages_manager_still_has_its_class_wide_navigation_flag(monkeypatch):
    from streamlit.runtime.pages_manager import PagesManager

    assert "uses_pages_directory" in vars(PagesManager), "Streamlit moved the navigation flag"
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)
    internals.settle_navigation()
    assert PagesManager.uses_pages_directory is False


def test_the_script_run_context_still_says_which_fragments_run(root):
    from streamlit.runtime.scriptrunner_utils import script_run_context as ctx_module

    assert hasattr(ctx_module, "get_script_run_ctx")
    assert "fragment_ids_this_run" in ctx_module.ScriptRunContext.__dataclass_fields__
    assert internals.fragment_only_run() is False  # no script run here
    script = ("import streamlit as st\n"
              "from ui.live.streamlit_internals import fragment_only_run\n"
              "st.session_state['whole'] = fragment_only_run()\n")
    at = AppTest.from_string(script).run()
    assert not at.exception and at.session_state["whole"] is False


def test_the_process_registry_survives_a_module_reload():
    reg = internals.process_registry("test-reload", items={})
    reg.items["a"] = 1
    importlib.reload(internals)
    again = internals.process_registry("test-reload", items={})
    assert again is reg and again.items == {"a": 1}
    assert sys.modules["_nnp_test-reload"] is reg


def test_the_registry_is_one_per_name_across_threads():
    got = []
    threads = [threading.Thread(target=lambda: got.append(
        internals.process_registry("test-threads", n=0))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(r) for r in got}) == 1
