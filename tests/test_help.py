"""Every control of every page explains itself: a walk over each page's widgets (in its
default state and in the states that show more controls) fails on one without help."""

from pathlib import Path

import apptest_pages
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

KINDS = ("button", "checkbox", "multiselect", "number_input", "radio", "select_slider",
         "selectbox", "slider", "text_area", "text_input", "toggle")
PAGES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def without_help(at: AppTest) -> list[tuple[str, str]]:
    missing = [(kind, w.key or w.label) for kind in KINDS for w in getattr(at, kind)
               if not (w.help or "").strip()]
    for kind in ("download_button", "file_uploader"):
        missing += [(kind, el.proto.label) for el in at.get(kind) if not el.proto.help.strip()]
    return missing


def close(at: AppTest) -> None:
    """Stop every live page's runner the walk started (each under "<page>.runner")."""
    for k in list(at.session_state._state.filtered_state):
        if k.endswith(".runner"):
            at.session_state[k].close()


# Per page, steps that bring out more controls: (widget kind, key, value) or ("click", key).
MORE = {
    "1_Playground.py": [("selectbox", "cfg.optimizer", "adamw"), ("toggle", "net.per_layer", True),
                        ("selectbox", "cfg.schedule", "step"),
                        ("toggle", "cfg.early_stopping", True),
                        ("radio", "ui.task", "regression")],
    "2_Compare.py": [("selectbox", "cmp.vary", "hidden"), ("click", "cmp.preset.vanishing"),
                     ("radio", "cmp.kind", "digits"), ("radio", "cmp.kind", "transformer"),
                     ("radio", "cmp.kind", "recurrent"), ("radio", "cmp.kind", "gan")],
    "3_One_neuron.py": [("click", "neuron.learn")],
    "6_Gradient_descent.py": [("selectbox", "gd.surface", "network")],
    "10_Digits.py": [("text_input", "dig.filters", "8, 8"), ("text_input", "dig.dense", "16"),
                     ("radio", "dig.model", "mlp")],
    "11_Sequences.py": [("radio", "seq.model", "lstm"), ("select_slider", "seq.layers", 2),
                        ("toggle", "seq.clip", True), ("selectbox", "seq.optimizer", "momentum"),
                        ("selectbox", "seq.task", "copy"), ("selectbox", "seq.task", "sine")],
    "12_Attention.py": [("selectbox", "att.task", "copy"), ("selectbox", "att.task", "addition"),
                        ("toggle", "att.clip", True), ("selectbox", "att.optimizer", "momentum")],
}


@pytest.mark.parametrize("page", PAGES)
def test_every_control_has_help(root: Path, page: str):
    at = apptest_pages.open_page(root, f"pages/{page}")
    try:
        seen = sum(len(getattr(at, kind)) for kind in KINDS)
        assert seen > 0
        assert without_help(at) == [], page
        for step in MORE.get(page, []):
            if step[0] == "click":
                at.button(key=step[1]).click().run()
            else:
                getattr(at, step[0])(key=step[1]).set_value(step[2]).run()
            assert not at.exception, [e.message for e in at.exception]
            assert without_help(at) == [], (page, step)
    finally:
        close(at)


def test_a_choice_s_help_carries_the_registry_s_words_for_the_option_chosen(root: Path):
    from engine import OPTIMIZERS

    at = apptest_pages.open_page(root, "pages/1_Playground.py")
    try:
        at.selectbox(key="cfg.optimizer").set_value("adam").run()
        help_ = at.selectbox(key="cfg.optimizer").help
        assert OPTIMIZERS["adam"].description in help_ and "**Adam**" in help_
    finally:
        close(at)
