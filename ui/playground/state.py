"""The Playground's widget keys and the Config they describe.

A setting with a plain widget has the key "cfg.<name>"; the inputs ("feat.<name>") and the
network ("net.layers", "net.width.<i>", "net.act", "net.act.<i>", "net.per_layer") have keys of
their own. `init()` seeds every key once per session from the URL (bad or unknown values fall
back to defaults with a warning) and keeps them across visits to other pages; `write_config`
sets them from a Config (a link, an imported file). The controls return their values; the page
turns those into a Config (actions.apply).
"""

import streamlit as st

from engine import CUSTOM, DATASETS, FEATURES, Config
from engine.fields import Names, PerLayer, Widths
from ui.live.runner import Runner
from ui.live.session import SHARED, LivePage, keep_widgets

MAX_LAYERS, MAX_WIDTH = 8, 16  # what the page offers (the engine allows more)
NO_WIDGET = ("eps", "eval_every")  # settings the page keeps as they are
# Settings with a widget of their own under "cfg.<name>": every plain field of the table.
SIMPLE = tuple(n for n, f in Config.FIELDS.items()
               if not isinstance(f, Names | Widths | PerLayer) and n not in NO_WIDGET)
# View options and other page state that is not part of a run's settings.
UI_DEFAULTS = {"pg.speed": "100", "ui.show_test": False, "ui.discretize": False,
               "ui.log": False, "ui.internals": True, "ui.click_adds": False,
               "pg.hold": "median"}


def _make_runner() -> Runner:
    return Runner(st.session_state[CONFIG])


PAGE = LivePage("pg", _make_runner)
CONFIG = SHARED  # the last valid Config, in force; other pages may start from it


SEED_TEXT = "cfg.seed_text"  # the seed box (text, checked when typed)


def key(name: str) -> str:
    return f"cfg.{name}"


def widget_keys() -> list[str]:
    keys = [key(n) for n in SIMPLE] + [f"feat.{f}" for f in FEATURES]
    keys += ["net.layers", "net.act", "net.per_layer", "cfg.dropout", "ui.task", SEED_TEXT,
             *UI_DEFAULTS]
    keys += [f"net.width.{i}" for i in range(MAX_LAYERS)] + [f"net.act.{i}"
                                                             for i in range(MAX_LAYERS)]
    return keys


def write_config(config: Config, task: str | None = None) -> list[str]:
    """Set every widget from `config`; returns warnings for what the page cannot show."""
    ss, warnings = st.session_state, []
    for n in SIMPLE:
        ss[key(n)] = getattr(config, n)
    ss[SEED_TEXT] = str(config.seed)
    for f in FEATURES:
        ss[f"feat.{f}"] = f in config.features
    hidden = list(config.hidden)
    if len(hidden) > MAX_LAYERS or any(h > MAX_WIDTH for h in hidden):
        warnings.append(f"this page shows at most {MAX_LAYERS} hidden layers of {MAX_WIDTH} "
                        f"neurons; the network {list(hidden)} was cut to fit")
        hidden = [min(h, MAX_WIDTH) for h in hidden[:MAX_LAYERS]]
    ss["net.layers"] = len(hidden)
    acts = config.activations[:len(hidden)]
    for i in range(MAX_LAYERS):
        ss[f"net.width.{i}"] = hidden[i] if i < len(hidden) else (hidden[-1] if hidden else 4)
        ss[f"net.act.{i}"] = acts[i] if i < len(acts) else (acts[-1] if acts else "tanh")
    ss["net.per_layer"] = not isinstance(config.activation, str) and len(set(acts)) > 1
    ss["net.act"] = acts[0] if acts else (config.activation if isinstance(config.activation, str)
                                          else "tanh")
    ss["cfg.dropout"] = max(config.dropouts) if config.dropouts else 0.0
    if task is None:
        task = DATASETS[config.dataset].task if config.dataset != CUSTOM else "binary"
    ss["ui.task"] = task
    return warnings


def init() -> None:
    """Seed the widgets once per session from the URL; afterwards keep their values across
    visits to other pages."""
    ss = st.session_state
    if PAGE.first_run():
        query = PAGE.link_query()
        config, warnings = Config.from_query(query)
        warnings += write_config(config)
        PAGE.link_warnings(warnings)
        ss[CONFIG] = config
        for k, v in UI_DEFAULTS.items():
            ss.setdefault(k, v)
    keep_widgets(widget_keys(), PAGE.key("widgets"))
