"""Every change that reaches the GAN page's runners: settings from the controls, presets,
your own points (clicks on the chart, a CSV upload, clearing them). Bad input becomes a
message; the runner keeps its last good settings and state."""

import numpy as np
import streamlit as st

from engine import GAN_PRESETS, GanConfig
from engine.data.distributions import MIN_POINTS, check_points
from engine.data.user import load_points_csv

from .runner import GanRunner
from .state import CONFIG, DIGITS, DIGITS_CONFIG, PAGE, POINTS, WATCH, key, write

PENDING = "gan.pending_point"
NOT_APPLIED = "Training continues with the last valid settings."


def _points() -> np.ndarray | None:
    """Your points as an (n, 2) array, or None when there are fewer than MIN_POINTS."""
    pts = st.session_state.get(POINTS) or []
    return np.array(pts, dtype=np.float64) if len(pts) >= MIN_POINTS else None


def apply(r: GanRunner, values: dict) -> GanConfig:
    """Apply the 2-D controls' `values` over the settings in force: live ones keep the
    weights, others rebuild; a switch to or from your points rebuilds with them. Your points
    chosen while there are too few keep the current data (with a note). Returns the settings
    in force."""
    ss = st.session_state
    current = r.trainer.config
    try:
        config = GanConfig.from_dict(current.to_dict() | values)
    except ValueError as e:
        PAGE.message("warning", f"Not applied: {e}. {NOT_APPLIED}")
        return current
    if config.distribution == "points" and _points() is None:
        n = len(ss.get(POINTS) or [])
        ss[PAGE.key("need_points")] = n
        config = config.replace(distribution=current.distribution)
    else:
        ss.pop(PAGE.key("need_points"), None)
    try:
        with r.lock:
            mine, had = config.distribution == "points", r.trainer.custom_data is not None
            if mine or had:
                data = _points() if mine else None
                same = (had and mine and data is not None
                        and np.array_equal(data, r.trainer.custom_data))
                if mine != had or not same:
                    r.reset(config, data, keep_data=False)
                    ss[CONFIG] = config
                    return config
            r.apply(config)
    except ValueError as e:
        PAGE.message("warning", f"Not applied: {e}. {NOT_APPLIED}")
        return r.trainer.config
    ss[CONFIG] = config
    return config


def apply_digits(r: GanRunner, values: dict):
    """The digits mode's controls applied as `apply` does; returns the settings in force."""
    config = DIGITS.apply(r, values)
    st.session_state[DIGITS_CONFIG] = config
    return config


def load_preset(name: str) -> None:
    """A preset's settings on every widget and a fresh run (a button's callback)."""
    preset = GAN_PRESETS[name]
    r = PAGE.runner()
    r.set_slow_motion(False)
    r.reset(preset.config, keep_data=False)
    ss = st.session_state
    ss[CONFIG] = preset.config
    ss["gan.slow_motion"] = False
    ss.pop(PAGE.key("need_points"), None)
    write(preset.config)
    ss[WATCH] = (preset.label, preset.watch)


# --- your points -------------------------------------------------------------------------------
def add_point(x: float, y: float) -> None:
    """Add one of your points (a click on the chart), inside the view, and choose your points
    as the real data."""
    ss = st.session_state
    pts = list(ss.get(POINTS) or [])
    pts.append([float(np.clip(x, -2.0, 2.0)), float(np.clip(y, -2.0, 2.0))])
    ss[POINTS] = pts[-10_000:]
    ss[key("distribution")] = "points"


def on_click(chart: str, click: dict, frame) -> None:
    """A click on the samples chart adds a point there, when "Click adds a point" is on
    (applied at the start of the next run, before the widgets are drawn)."""
    if chart == "samples" and st.session_state.get("gan.click_adds") and "x" in click:
        st.session_state[PENDING] = (float(click["x"]), float(click["y"]))
        st.rerun()


def handle_pending() -> None:
    """Add the point a click queued (call before any widget is drawn)."""
    xy = st.session_state.pop(PENDING, None)
    if xy is not None:
        add_point(*xy)


def clear_points() -> None:
    ss = st.session_state
    ss[POINTS] = []
    if ss.get(key("distribution")) == "points":
        ss[key("distribution")] = "ring"
    PAGE.message("info", "Your points are cleared.")


def on_csv_upload() -> None:
    """Your points from a CSV file (x, y in the first two columns); a bad file is explained and
    changes nothing."""
    ss = st.session_state
    f = ss.get("gan.upload")
    if f is None:
        return
    try:
        pts = check_points(load_points_csv(f))
    except ValueError as e:
        PAGE.message("error", f"{f.name}: {e}. Your points are unchanged.")
        return
    ss[POINTS] = pts.tolist()
    ss[key("distribution")] = "points"
    PAGE.message("success", f"{f.name}: {len(pts):,} points; the generator now learns them.")
