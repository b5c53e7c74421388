"""The GAN page's widget keys, its two live pages and the settings they describe.

The page has two modes: 2-D points (GanConfig, widget keys "gan.<name>") and digits
(DigitsGanConfig, keys "gand.<name>"), each with its own runner, so switching keeps both
runs. Layer widths are text boxes ("gan.g_hidden" holds '32, 32, 32'). Your own points
(clicked or uploaded) are kept under POINTS, a list of (x, y). `init()` seeds the widgets once
per session from the URL ("mode=digits" picks the digits mode) and keeps them across visits
to other pages.
"""

import streamlit as st

from engine import DigitsGanConfig, DigitsGanTrainer, GanConfig
from engine.fields import Widths
from ui.live.session import LivePage, keep_widgets
from ui.live.widgets import widths_text

from .runner import GanRunner

POINTS_MODE, DIGITS_MODE = "points", "digits"
MODE = "gan.mode"
POINTS = "gan.points"  # your own points: a list of [x, y]
WATCH = "gan.watch"  # (preset label, what to watch) of the last preset loaded


def _make_runner() -> GanRunner:
    ss = st.session_state
    data = ss.get(POINTS) if ss[CONFIG].distribution == "points" else None
    return GanRunner(ss[CONFIG], data)


def _make_digits_runner() -> GanRunner:
    return GanRunner(st.session_state[DIGITS_CONFIG], build=DigitsGanTrainer)


PAGE = LivePage("gan", _make_runner)
DIGITS = LivePage("gand", _make_digits_runner)
CONFIG = PAGE.key("config")  # the GanConfig in force
DIGITS_CONFIG = DIGITS.key("config")
VIEW_DEFAULTS = {"gan.speed": "max", "gand.speed": "max", "gan.arrows": True,
                 "gan.slow_motion": False, "gan.click_adds": False, "gand.slow_motion": False,
                 "gand.walk_a": 0, "gand.walk_b": 1, "gand.walk_t": 0.5}
# Settings without a widget (kept as they are): the optimizers' finer hyperparameters, the
# schedule's details and the stop conditions other than the epoch budget.
NO_WIDGET = ("beta2", "eps", "alpha", "weight_decay", "lr_decay", "lr_period",
             "early_stopping", "patience", "target_loss", "eval_every")


def _names(cls) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(plain settings, widths settings) of a settings class that have a widget."""
    widths = tuple(n for n, f in cls.FIELDS.items() if isinstance(f, Widths))
    simple = tuple(n for n in cls.FIELDS if n not in NO_WIDGET and n not in widths)
    return simple, widths


SIMPLE, WIDTHS = _names(GanConfig)
DIGITS_SIMPLE, DIGITS_WIDTHS = _names(DigitsGanConfig)


def key(name: str, prefix: str = "gan") -> str:
    return f"{prefix}.{name}"


def widget_keys() -> list[str]:
    return ([key(n) for n in (*SIMPLE, *WIDTHS)] + [key(n, "gand") for n in
            (*DIGITS_SIMPLE, *DIGITS_WIDTHS)] + list(VIEW_DEFAULTS) + [MODE, POINTS])


def write(config, prefix: str = "gan") -> None:
    """Set every widget of a mode from `config` (before the widgets are drawn, or in a
    callback)."""
    ss = st.session_state
    simple, widths = (SIMPLE, WIDTHS) if prefix == "gan" else (DIGITS_SIMPLE, DIGITS_WIDTHS)
    for n in simple:
        ss[key(n, prefix)] = getattr(config, n)
    for n in widths:
        ss[key(n, prefix)] = widths_text(getattr(config, n))


def mode() -> str:
    return st.session_state.get(MODE, POINTS_MODE)


def init() -> None:
    """Seed the widgets once per session from the URL; afterwards keep their values across
    visits to other pages."""
    ss = st.session_state
    if PAGE.first_run():
        query = PAGE.link_query()
        ss[MODE] = DIGITS_MODE if query.pop("mode", "") == DIGITS_MODE else POINTS_MODE
        cls = DigitsGanConfig if ss[MODE] == DIGITS_MODE else GanConfig
        config, warnings = cls.from_query(query)
        PAGE.link_warnings(warnings)
        if cls is GanConfig and config.distribution == "points":
            PAGE.message("info", "The link asked for your own points, which it cannot carry: "
                                 "click on the chart or upload a CSV to add them. Training "
                                 "starts on the ring meanwhile.")
            config = config.replace(distribution="ring")
        points_config = config if cls is GanConfig else GanConfig()
        digits_config = config if cls is DigitsGanConfig else DigitsGanConfig()
        ss[CONFIG], ss[DIGITS_CONFIG] = points_config, digits_config
        write(points_config)
        write(digits_config, "gand")
        ss.setdefault(POINTS, [])
        for k, v in VIEW_DEFAULTS.items():
            ss.setdefault(k, v)
    keep_widgets(widget_keys(), PAGE.key("widgets"))


def url_query() -> dict[str, str]:
    """The URL of the mode in force: its settings (and mode=digits for the digits mode)."""
    ss = st.session_state
    if mode() == DIGITS_MODE:
        return {"mode": DIGITS_MODE} | ss[DIGITS_CONFIG].to_query()
    return ss[CONFIG].to_query()
