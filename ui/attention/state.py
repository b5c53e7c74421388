"""The Attention page's widget keys, its defaults and classroom presets, and the transformer
SequenceConfig they describe.

Every setting with a widget has the key "att.<name>". `init()` seeds them once per session from
the URL (the page's defaults: reversal of 8 tokens) and keeps them across visits to other
pages; `write()` sets them from a SequenceConfig. The page trains transformers on token tasks
only: a link asking for another network or task keeps the page's and says so.
"""

from dataclasses import dataclass

import streamlit as st

from engine.data.sequences import get_task
from engine.sequences import (
    RECURRENT_ONLY,
    TRANSFORMER_TASKS,
    SequenceConfig,
    SequenceTrainer,
)
from ui.live.runner import Runner
from ui.live.session import LivePage, keep_widgets

TASKS = TRANSFORMER_TASKS  # the token tasks, in teaching order
TASK_OPTIONS = ("n_tokens", "delay", "digits")  # options of those tasks (copy, addition)
NO_WIDGET = ("model", "n_test", "eps", "schedule", "lr_decay", "lr_period", "early_stopping",
             "patience", "target_loss", "eval_every", "min_freq", "max_freq", "noise",
             *sorted(RECURRENT_ONLY))  # kept as they are
SIMPLE = tuple(n for n in SequenceConfig.FIELDS if n not in NO_WIDGET)
# The page's defaults: reversal of 8 tokens at a rate slow enough to watch the maps form (the
# anti-diagonal in about 130 steps, four epochs of 1,000 sequences, 99 % in five).
DEFAULT = SequenceConfig(task="reverse", length=8, model="transformer", lr=0.001, n_train=1000)


@dataclass(frozen=True)
class Preset:
    """A classroom demo: settings over the page's defaults, and what to watch."""

    label: str
    settings: dict
    note: str


PRESETS = {
    "reverse": Preset("Reversal: the anti-diagonal", {},
                      "Press Play: within a few epochs each position reads its mirror "
                      "position, and the attention maps turn into the anti-diagonal."),
    "no_position": Preset("Reversal without positions", {"position": "none"},
                          "The same network with no position information: every position "
                          "looks the same to attention, so it cannot tell which token is the "
                          "mirror one. Whole-sequence accuracy stays near 0."),
    "sort": Preset("Sorting", {"task": "sort", "lr": 0.01},
                   "Sorting takes longer: each output reads the tokens of its rank, wherever "
                   "they are; watch the maps spread over the input."),
    "addition": Preset("Two-digit addition", {"task": "addition", "length": 0, "digits": 2,
                                              "blocks": 2, "lr": 0.003, "max_epochs": 200},
                       "The answer's digits come out least significant first, as we add by "
                       "hand: each answer digit reads its two digits and the carry."),
}


def _make_runner() -> Runner:
    return Runner(st.session_state[CONFIG], build=SequenceTrainer)


PAGE = LivePage("att", _make_runner)
CONFIG = PAGE.key("config")  # the SequenceConfig in force
CHOSEN = PAGE.key("chosen")  # the test sequence whose attention is shown
TYPED = PAGE.key("typed")  # the text of a typed sequence ('' for none)
TYPED_OK = PAGE.key("typed_ok")  # the last typed sequence that was valid, or None
VIEW_DEFAULTS = {"att.speed": "1", "att.slow": True, CHOSEN: 0, TYPED: "", "att.block": 1,
                 "att.head": 1, "att.stage": 0}


def key(name: str) -> str:
    return f"att.{name}"


def widget_keys() -> list[str]:
    return [key(n) for n in SIMPLE] + list(VIEW_DEFAULTS)


def length_of(config: SequenceConfig) -> int:
    """The length the page's slider shows: the trained T of a task whose length is free."""
    return config.resolved()


def write(config: SequenceConfig) -> None:
    """Set every widget from `config` (before the widgets are drawn, or in a callback)."""
    ss = st.session_state
    for n in SIMPLE:
        ss[key(n)] = getattr(config, n)
    if get_task(config.task).T_range is not None:
        ss[key("length")] = length_of(config)


def page_config(query: dict) -> tuple[SequenceConfig, list[str]]:
    """The settings a link opens, over the page's defaults: (config, warnings). A link to a
    recurrent network or to a task that is not about tokens keeps the page's own."""
    config, warnings = SequenceConfig.from_query(query, DEFAULT)
    if config.model != "transformer":
        warnings.append(f"model: this page trains a transformer, not {config.model!r}")
        config = config.replace(model="transformer")
    if config.task not in TASKS:
        warnings.append(f"task: this page's tasks are {', '.join(TASKS)}, not "
                        f"{config.task!r}")
        config = config.replace(task=DEFAULT.task, length=DEFAULT.length)
    return config, warnings


def preset_config(name: str) -> SequenceConfig:
    """The page's defaults with preset `name`'s settings."""
    return DEFAULT.replace(**PRESETS[name].settings)


def use_preset(name: str) -> None:
    """Button callback: a preset's settings in every widget (applied in the same run)."""
    write(preset_config(name))
    st.session_state[PAGE.key("preset_note")] = PRESETS[name].note


def init() -> None:
    """Seed the widgets once per session from the URL; afterwards keep their values across
    visits to other pages."""
    ss = st.session_state
    if PAGE.first_run():
        query = PAGE.link_query()
        config, warnings = page_config(query)
        PAGE.link_warnings(warnings)
        ss[CONFIG] = config
        write(config)
        for k, v in VIEW_DEFAULTS.items():
            ss.setdefault(k, v)
        ss.setdefault(TYPED_OK, None)
    keep_widgets(widget_keys(), PAGE.key("widgets"))
