"""Every change that reaches the Playground's runner: settings from the controls, clicks on
the charts, uploads and imports. Bad input becomes a message; the runner keeps its last good
state."""

import numpy as np
import streamlit as st

from engine import CUSTOM, Config, Dataset, Trainer, load_csv
from ui.live.runner import Runner

from . import controls
from .state import CONFIG, PAGE, key, write_config

message = PAGE.message


def settings(r: Runner, values: dict) -> None:
    """The training controls, then every control's settings (`values` holds the others')
    applied to the runner and mirrored in the URL.

    The training controls (learning rate, optimizer, regularization, dropout, schedule, stops)
    sit in a fragment of their own: every one of them is a live setting, so changing one reruns
    only the fragment, and while training plays the charts show the effect with their next
    frame instead of after a whole page run (which costs the browser a few hundred ms)."""
    def training(values: dict) -> None:
        n_hidden = len(values.get("hidden", r.trainer.config.hidden))
        PAGE.sync_url(apply(r, values | controls.training_controls(n_hidden)).to_query())

    PAGE.settings_fragment(training, values)


def apply(r: Runner, values: dict) -> Config:
    """Push the controls' settings into the runner (the rest stay as they are). Returns the
    config in force: the new one, or the last good one when the settings do not fit."""
    try:
        config = Config.from_dict(r.trainer.config.to_dict() | values)
        if config.dataset == CUSTOM and r.trainer.custom_data is None:
            raise ValueError("there is no data of your own yet: upload a CSV or click on the map")
        r.apply(config)
    except ValueError as e:
        message("warning", f"Not applied: {e}. Training continues with the last valid settings.")
        return r.trainer.config
    st.session_state[CONFIG] = config
    return config


# --- clicks on the charts ---------------------------------------------------------------
def on_click(chart: str, click: dict, frame) -> None:
    """A click on the network diagram selects a neuron (its map is drawn large); a click on the
    output map adds a point, when "Click adds a point" is on. Applied at the start of the next
    run of the page, before any widget is drawn."""
    snap = frame.main
    if chart == "net" and click.get("curve") == 0:
        index = int(click["point"])
        sizes = [len(snap.input_labels), *snap.config.hidden, len(snap.biases[-1])]
        for col, n in enumerate(sizes):
            if index < n:
                queue_click("node", {"node": (col, index)})
                st.rerun()
            index -= n
    if chart == "map" and st.session_state.get("ui.click_adds", False):
        queue_click("map", click)
        st.rerun()


def queue_click(kind: str, event: dict) -> None:
    """Remember a chart click; `handle_pending` applies it at the start of the next run."""
    st.session_state["pending_click"] = (kind, event)


def handle_pending(r: Runner) -> None:
    """Apply a queued click before any widget is drawn (so widgets may still change)."""
    ss = st.session_state
    kind, event = ss.pop("pending_click", (None, None))
    if kind == "map":
        _add_point(r, float(event["x"]), float(event["y"]))
    elif kind == "node":
        node = tuple(event["node"])
        ss["selected_node"] = None if ss.get("selected_node") == node else node


def _add_point(r: Runner, x: float, y: float) -> None:
    """Add a training point where the map was clicked: a full row, its other columns held as
    the map holds them."""
    ss = st.session_state
    with r.lock:
        t = r.trainer
        d = t.data
        label = ss.get("click_label", 1)
        if d.task == "regression":
            label = float(ss.get("click_value", 0.5))
        elif int(label) >= max(d.n_classes, 2):
            label = 0
        y_new = np.append(d.y_train, np.array([label], dtype=d.y_train.dtype))
        data = d.replace(X_train=np.vstack([d.X_train, t.rows(np.array([[x, y]]))]),
                         y_train=y_new)
        config = t.config.replace(dataset=CUSTOM)
    _use_data(r, config, data, reset=False)


def clear_points(r: Runner) -> None:
    """Keep the view but remove every point but one of each class from the training set."""
    with r.lock:
        d = r.trainer.data
        keep = [int(np.flatnonzero(d.y_train == c)[0]) for c in np.unique(d.y_train)] \
            if d.task != "regression" else [0, 1]
        data = d.replace(X_train=d.X_train[keep], y_train=d.y_train[keep],
                         X_test=d.X_test[:0], y_test=d.y_test[:0])
        config = r.trainer.config.replace(dataset=CUSTOM)
    if _use_data(r, config, data):
        message("info", "Cleared: one point of each class is left, so training still has both. "
                        "Click on the map to add more.")


def _use_data(r: Runner, config: Config, data: Dataset, reset: bool = True) -> bool:
    ss = st.session_state
    try:
        with r.lock:
            weights = r.trainer.net.flat.copy()
            same_net = r.trainer.config.replace(dataset=CUSTOM) == config
            r.reset(config, data)
            if not reset and same_net and r.trainer.net.flat.shape == weights.shape:
                r.trainer.net.flat[...] = weights  # adding a point keeps what was learned
    except ValueError as e:
        message("error", f"Could not use these points: {e}")
        return False
    ss[key("dataset")] = CUSTOM
    ss["ui.task"] = data.task
    for name in ("scale", "x_col", "y_col"):  # the column pickers fill in '' themselves
        ss[key(name)] = getattr(config, name)
    ss[CONFIG] = config
    return True


# --- uploads and imports ------------------------------------------------------------------
def failure(e: Exception, what: str) -> str:
    """The message for a file that could not be used: a ValueError's own words, else `what`
    and the kind of error (never a traceback)."""
    return str(e)[:300] if isinstance(e, ValueError) else f"{what} ({type(e).__name__})"


def uploaded(kind: str, text: str) -> None:
    """What an upload did: a message at the top, and the same note beside the uploaders."""
    message(kind, text)
    st.session_state["pg.upload_note"] = (kind, text)


def on_csv_upload() -> None:
    f = st.session_state.get("upload.csv")
    if f is None:
        return
    r = PAGE.runner()
    try:
        data = load_csv(f, train_ratio=float(st.session_state[key("train_ratio")]),
                        seed=int(st.session_state[key("seed")]))
    except Exception as e:  # noqa: BLE001 - whatever a file trips on becomes a message
        uploaded("error", f"{f.name}: {failure(e, 'not a CSV table this page can read')}")
        return
    config = r.trainer.config.replace(dataset=CUSTOM, output="auto", loss="auto", scale="auto",
                                      x_col="", y_col="")
    if _use_data(r, config, data):
        uploaded("success", describe_upload(data, f.name))


def describe_upload(data: Dataset, name: str) -> str:
    """What an uploaded table turned out to be, in a sentence or two."""
    n = len(data.X_train) + len(data.X_test)
    classes = f"{data.n_classes} classes"
    if data.class_names:
        classes += ": " + ", ".join(data.class_names)
    what = {"binary": classes, "multiclass": classes,
            "regression": f"regression: {data.target} is a number to predict"}[data.task]
    text = f"Loaded {n:,} points from {name} ({data.n_columns} columns; {what})."
    if data.scale == "standard":
        text += (" Its columns differ in scale, so the network sees them standardized "
                 "(Scale inputs: Auto); the charts keep their own units.")
    if data.n_columns > 2:
        text += " Choose the two columns the map shows under Data."
    return text


def on_config_upload() -> None:
    f = st.session_state.get("upload.config")
    if f is None:
        return
    try:
        config = Config.from_json(f.getvalue().decode("utf-8", errors="replace"))
        if config.dataset == CUSTOM and PAGE.runner().trainer.custom_data is None:
            raise ValueError("it uses data of your own, which a config file does not carry; "
                             "load the model file instead")
        PAGE.runner().apply(config)
    except Exception as e:  # noqa: BLE001 - whatever a file trips on becomes a message
        uploaded("error", f"{f.name}: {failure(e, 'not a settings file of this page')}")
        return
    for w in write_config(config):
        message("warning", w)
    st.session_state[CONFIG] = config
    uploaded("success", f"Settings loaded from {f.name}.")


def on_model_upload() -> None:
    f = st.session_state.get("upload.model")
    if f is None:
        return
    try:
        trainer = Trainer.load(f.getvalue())
    except Exception as e:  # noqa: BLE001 - whatever a damaged file raises becomes a message
        reason = failure(e, "not a model file saved by this playground, or a damaged one")
        uploaded("error", f"{f.name}: {reason}")
        return
    r = PAGE.runner()
    r.pause()
    r.replace_trainer(trainer)
    for w in write_config(trainer.config, trainer.task):
        message("warning", w)
    st.session_state[CONFIG] = trainer.config
    uploaded("success", f"Model loaded from {f.name}: epoch {trainer.epoch:,}.")
