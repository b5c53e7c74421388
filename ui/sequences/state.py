"""The Sequences page's widget keys, its classroom presets and the SequenceConfig they describe.

Every setting with a widget has the key "seq.<name>". `init()` seeds them once per session from
the URL (a recurrent network on one of the page's tasks; anything else becomes a message) and
keeps them across visits to other pages; `write()` sets them from a SequenceConfig, with the
length shown as the T it gives.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from engine.data.sequences import get_task
from engine.sequences import RECURRENT_TASKS, SequenceConfig, SequenceTrainer
from ui.live.runner import Runner
from ui.live.session import LivePage, keep_widgets

TASKS = RECURRENT_TASKS  # the tasks a left-to-right network can learn
CELLS = ("rnn", "gru", "lstm")
WIDGETS = ("task", "length", "min_freq", "max_freq", "noise", "n_tokens", "delay", "n_train",
           "seed", "model", "hidden", "layers", "optimizer", "lr", "momentum", "alpha",
           "beta1", "beta2", "weight_decay", "batch_size", "clip", "clip_norm", "bptt",
           "max_epochs")
ASSETS = Path(__file__).resolve().parents[2] / "assets" / "sequences"
HARD = tomllib.loads((ASSETS / "tasks.toml").read_text(encoding="utf-8"))  # task -> why hard


def _make_runner() -> Runner:
    return Runner(st.session_state[CONFIG], build=SequenceTrainer)


PAGE = LivePage("seq", _make_runner)
CONFIG = PAGE.key("config")  # the SequenceConfig in force
CHOSEN = PAGE.key("chosen")  # the test sequence shown
STEP = PAGE.key("step")  # the step walked through and centred in the unrolled diagram (1-based)
LAYER = PAGE.key("layer")  # the layer whose gates and cell step are shown (1-based)
NEURONS = PAGE.key("neurons")  # the first neuron of the cell step's rows (1-based)
SEEN_TASK = PAGE.key("seen_task")  # the task the length box was last set for
VIEW_DEFAULTS = {"seq.speed": "10", "seq.slow": True, CHOSEN: 0, STEP: 1, LAYER: 1,
                 NEURONS: 1}


def key(name: str) -> str:
    return f"seq.{name}"


def widget_keys() -> list[str]:
    return [key(n) for n in WIDGETS] + list(VIEW_DEFAULTS)


def shown_length(config: SequenceConfig) -> int:
    """What the length box shows: the T the settings give (0 for a task whose options fix
    it)."""
    return 0 if get_task(config.task).length_fn is not None else config.resolved()


def write(config: SequenceConfig) -> None:
    """Set every widget from `config` (before the widgets are drawn, or in a callback)."""
    ss = st.session_state
    for n in WIDGETS:
        ss[key(n)] = getattr(config, n)
    ss[key("length")] = shown_length(config)
    ss[SEEN_TASK] = config.task


def usable(config: SequenceConfig) -> tuple[SequenceConfig, list[str]]:
    """`config` made fit for this page (a recurrent network on one of its tasks), and what was
    changed."""
    notes = []
    if config.model not in CELLS:
        notes.append("model: the transformer trains on the Attention page; this page opened a "
                     "GRU")
        config = config.replace(model="gru")
    if config.task not in TASKS:
        notes.append(f"task: {get_task(config.task).label} needs the whole sequence at once "
                     "(the Attention page); this page opened running parity")
        config = config.replace(task="parity", length=0)
    return config, notes


def init() -> None:
    """Seed the widgets once per session from the URL; afterwards keep their values across
    visits to other pages."""
    ss = st.session_state
    if PAGE.first_run():
        query = PAGE.link_query()
        config, warnings = SequenceConfig.from_query(query)
        config, more = usable(config)
        config = config.replace(length=shown_length(config))  # T as the length box shows it
        PAGE.link_warnings(warnings + more)
        ss[CONFIG] = config
        write(config)
        for k, v in VIEW_DEFAULTS.items():
            ss.setdefault(k, v)
    keep_widgets(widget_keys(), PAGE.key("widgets"))


# --- classroom presets ------------------------------------------------------------------------
@dataclass(frozen=True)
class Preset:
    """A classroom demo: the settings that differ from the defaults, and what to watch."""

    label: str
    base: dict
    note: str

    def config(self) -> SequenceConfig:
        """The preset's settings, with the length the page shows (the T they give)."""
        config = SequenceConfig(**self.base)
        return config.replace(length=shown_length(config))


PRESETS: dict[str, Preset] = {
    "lstm_adding": Preset(
        "LSTM on the adding problem (T = 30)",
        {"task": "adding", "length": 30, "model": "lstm", "max_epochs": 60},
        "For a few epochs the MSE sits on the baseline (always answering 1), and the gradient "
        "that reaches step 1 is a tiny fraction of step 30's. Then the LSTM learns to hold its "
        "cell: the gradient through time rises by orders of magnitude and the MSE falls far "
        "below the baseline."),
    "rnn_adding": Preset(
        "A vanilla RNN on the adding problem (T = 30)",
        {"task": "adding", "length": 30, "model": "rnn", "max_epochs": 60},
        "The same task for a plain tanh RNN: its MSE stays on the baseline, and the gradient "
        "that reaches step 1 stays thousands of times smaller than at step 30."),
    "gru_parity": Preset(
        "GRU on running parity (T = 10)",
        {"task": "parity", "model": "gru", "max_epochs": 60},
        "Every earlier bit matters. The GRU gets every step right within a few epochs."),
    "lstm_sine": Preset(
        "LSTM predicts a sine wave",
        {"task": "sine", "model": "lstm", "hidden": 16, "max_epochs": 60},
        "Each wave has its own frequency: the first predictions of a sequence are the worst, "
        "until the values so far give the frequency away."),
    "gru_copy": Preset(
        "GRU copies 3 tokens after a delay of 10",
        {"task": "copy", "model": "gru", "max_epochs": 100},
        "Only the last 3 steps are scored. The accuracy starts at chance (1/8) and climbs as "
        "the network learns to hold the tokens through the blanks."),
    "truncated": Preset(
        "Truncated backpropagation: LSTM, adding problem, window 5",
        {"task": "adding", "length": 30, "model": "lstm", "bptt": 5, "max_epochs": 60},
        "The gradient is cut every 5 steps: the chart of the gradient through time is zero "
        "before the last 5. Yet the LSTM still learns, because the same weights act at every "
        "step: the rule it learns near the end (store a marked value, keep the cell) works at "
        "step 3 too."),
}
