"""The session's Runner, and every change that reaches it: settings from the widgets, imports,
uploads and clicks. Bad input becomes a message in `st.session_state["messages"]`; the runner
keeps its last good state."""

import uuid

import numpy as np
import streamlit as st

from engine import CUSTOM, Config, Dataset, Trainer, load_csv
from ui.live.runner import Runner

from . import controls, state
from .state import config_from_state, key, write_config


@st.cache_resource(scope="session", on_release=lambda r: r.close(), show_spinner=False)
def _session_runner(token: str) -> Runner:
    return Runner(st.session_state["good_config"])


def runner() -> Runner:
    """This session's runner; created on first use, closed when the session ends (the token
    tells apart sessions that share an id, as AppTest's do). Also kept in session state as
    `runner`, for tests."""
    r = _session_runner(st.session_state.setdefault("runner_token", uuid.uuid4().hex))
    st.session_state["runner"] = r
    return r


def message(kind: str, text: str) -> None:
    """Queue a message (kind: error, warning, info, success) for the next draw."""
    st.session_state.setdefault("messages", []).append((kind, text))


def settings(r: Runner) -> None:
    """The training controls, then every widget's settings applied to the runner and mirrored
    in the URL.

    The training controls (learning rate, optimizer, regularization, dropout, schedule, stops)
    sit in a fragment of their own: every one of them is a live setting, so changing one reruns
    only the fragment, and while training plays the charts show the effect with their next
    frame instead of after a whole page run (which costs the browser a few hundred ms). Only a
    message (a setting that could not be applied) needs the whole page."""

    @st.fragment
    def training() -> None:
        controls.training_controls()
        queued = len(st.session_state.get("messages", []))
        state.sync_url(apply_settings(r))
        if len(st.session_state.get("messages", [])) > queued and _fragment_run():
            st.rerun(scope="app")  # the messages are shown in the main area

    with st.sidebar:
        training()


def _fragment_run() -> bool:
    """Whether the current script run reruns fragments only (not the whole page)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def apply_settings(r: Runner) -> Config:
    """Push the widgets' settings into the runner. Returns the config in force: the new one, or
    the last good one when the widgets describe something invalid."""
    ss = st.session_state
    try:
        config = config_from_state()
        if config.dataset == CUSTOM and r.trainer.custom_data is None:
            raise ValueError("there is no data of your own yet: upload a CSV or click on the map")
        r.apply(config)
    except ValueError as e:
        message("warning", f"Not applied: {e}. Training continues with the last valid settings.")
        return r.trainer.config
    ss["good_config"] = config
    return config


# --- clicks on the charts ---------------------------------------------------------------
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
        data = Dataset(np.vstack([d.X_train, [[x, y]]]), y_new, d.X_test, d.y_test, d.task,
                       d.n_classes, d.bounds)
        config = t.config.replace(dataset=CUSTOM)
    _use_data(r, config, data, reset=False)


def clear_points(r: Runner) -> None:
    """Keep the view but remove every point but one of each class from the training set."""
    with r.lock:
        d = r.trainer.data
        keep = [int(np.flatnonzero(d.y_train == c)[0]) for c in np.unique(d.y_train)] \
            if d.task != "regression" else [0, 1]
        data = Dataset(d.X_train[keep], d.y_train[keep], d.X_test[:0], d.y_test[:0], d.task,
                       d.n_classes, d.bounds)
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
    ss["good_config"] = config
    return True


# --- uploads and imports ------------------------------------------------------------------
def on_csv_upload() -> None:
    f = st.session_state.get("upload.csv")
    if f is None:
        return
    r = runner()
    try:
        data = load_csv(f, train_ratio=float(st.session_state[key("train_ratio")]),
                        seed=int(st.session_state[key("seed")]))
    except ValueError as e:
        message("error", f"{f.name}: {e}")
        return
    config = r.trainer.config.replace(dataset=CUSTOM, output="auto", loss="auto")
    if _use_data(r, config, data):
        message("success", f"Loaded {len(data.X_train) + len(data.X_test):,} points from {f.name} "
                           f"({data.task}).")


def on_config_upload() -> None:
    f = st.session_state.get("upload.config")
    if f is None:
        return
    try:
        config = Config.from_json(f.getvalue().decode("utf-8", errors="replace"))
        if config.dataset == CUSTOM and runner().trainer.custom_data is None:
            raise ValueError("it uses data of your own, which a config file does not carry; "
                             "load the model file instead")
        runner().apply(config)
    except ValueError as e:
        message("error", f"{f.name}: {e}")
        return
    for w in write_config(config):
        message("warning", w)
    st.session_state["good_config"] = config
    message("success", f"Settings loaded from {f.name}.")


def on_model_upload() -> None:
    f = st.session_state.get("upload.model")
    if f is None:
        return
    try:
        trainer = Trainer.load(f.getvalue())
    except (ValueError, KeyError) as e:
        message("error", f"{f.name}: {e}")
        return
    r = runner()
    r.pause()
    r.replace_trainer(trainer)
    for w in write_config(trainer.config, trainer.task):
        message("warning", w)
    st.session_state["good_config"] = trainer.config
    message("success", f"Model loaded from {f.name}: epoch {trainer.epoch:,}.")
