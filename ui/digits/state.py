"""The Digits page's widget keys and the ImageConfig they describe.

Every setting with a plain widget has the key "dig.<name>"; layer widths are text boxes
("dig.hidden" holds '64', "dig.filters" '8, 16'). `init()` seeds them once per session from the
URL and keeps them across visits to other pages; `write()` sets them from an ImageConfig.
"""

import streamlit as st

from engine.fields import Widths
from engine.images import ImageConfig, ImageTrainer
from ui.live.runner import Runner
from ui.live.session import LivePage, keep_widgets
from ui.live.widgets import widths_text

NO_WIDGET = ("eps", "eval_every", "init", "target_loss", "lr_decay", "lr_period", "schedule",
             "clip_norm", "early_stopping", "patience")  # kept as they are
WIDTHS = tuple(n for n, f in ImageConfig.FIELDS.items() if isinstance(f, Widths))
SIMPLE = tuple(n for n in ImageConfig.FIELDS if n not in NO_WIDGET and n not in WIDTHS)


def _make_runner() -> Runner:
    return Runner(st.session_state[CONFIG], build=ImageTrainer)


PAGE = LivePage("dig", _make_runner)
CONFIG = PAGE.key("config")  # the ImageConfig in force
CHOSEN = PAGE.key("chosen")  # the test digit whose insides are shown
VIEW_DEFAULTS = {"dig.speed": "3", "dig.shifted": False, "dig.slow": True, CHOSEN: 0}


def key(name: str) -> str:
    return f"dig.{name}"


def widget_keys() -> list[str]:
    return [key(n) for n in (*SIMPLE, *WIDTHS)] + list(VIEW_DEFAULTS)


def write(config: ImageConfig) -> None:
    """Set every widget from `config` (before the widgets are drawn, or in a callback)."""
    ss = st.session_state
    for n in SIMPLE:
        ss[key(n)] = getattr(config, n)
    for n in WIDTHS:
        ss[key(n)] = widths_text(getattr(config, n))


def init() -> None:
    """Seed the widgets once per session from the URL; afterwards keep their values across
    visits to other pages."""
    ss = st.session_state
    if PAGE.first_run():
        query = PAGE.link_query()
        config, warnings = ImageConfig.from_query(query)
        PAGE.link_warnings(warnings)
        ss[CONFIG] = config
        write(config)
        for k, v in VIEW_DEFAULTS.items():
            ss.setdefault(k, v)
    keep_widgets(widget_keys(), PAGE.key("widgets"))
