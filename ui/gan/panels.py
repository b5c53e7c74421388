"""The GAN page's panels: the view options under the transport bar, what went wrong (a
diagnosis, kept while the run goes on), what a preset asks you to watch, and the texts."""

from pathlib import Path

import numpy as np
import streamlit as st

from engine.data.distributions import MIN_POINTS
from ui.live.panel import Action, Transport
from ui.live.session import presenter
from ui.live.widgets import help_text

from .runner import GanRunner
from .state import PAGE, POINTS, WATCH
from .view import GanView

TEXTS = Path(__file__).resolve().parents[2] / "assets" / "gan"
STEP_HELP = {"step_batch": help_text("gan_step_round")}


def text(name: str) -> str:
    return (TEXTS / f"{name}.md").read_text(encoding="utf-8").strip()


def transport(keys: str) -> Transport:
    """The transport bar: Play, Step round, step the discriminator only, step the generator
    only, Reset and the speed."""
    return Transport(keys, steps=("batch",), labels={"batch": "Step round"},
                     help=STEP_HELP, speed_label="Speed (epochs per second)",
                     extra=(Action("step_d", "Step D only", GanRunner.step_discriminator),
                            Action("step_g", "Step G only", GanRunner.step_generator)))


def user_points() -> np.ndarray | None:
    pts = st.session_state.get(POINTS) or []
    return np.array(pts, dtype=np.float64).reshape(-1, 2) if pts else None


def live_view() -> GanView:
    ss = st.session_state
    show_user = ss.get("gan.distribution") == "points" or ss.get("gan.click_adds")
    return GanView(arrows=ss.get("gan.arrows", True),
                   user=user_points() if show_user else None, presenter=presenter())


def view_options(r: GanRunner, prefix: str = "gan") -> None:
    """Slow motion (one update per frame), and for 2-D points the push arrows."""
    c = st.columns([1.3, 1.3, 2])
    on = c[0].toggle("Slow motion", key=f"{prefix}.slow_motion",
                     help=help_text("gan_slow_motion"))
    r.set_slow_motion(on)
    if prefix == "gan":
        c[1].toggle("Push arrows", key="gan.arrows", help=help_text("gan_arrows"))
    with r.lock:
        last = r.last
    said = {"discriminator": "Last: one discriminator update — only its map changed.",
            "generator": "Last: one generator update — only the generated points moved."}
    if last in said and not r.playing:
        c[2].caption(said[last])


def notes(r: GanRunner) -> None:
    """What a preset asks you to watch, your points still missing, and a diagnosis of what
    went wrong (collapse, a distance that rises), in plain words; in a container that is always
    there, so the live charts below keep their place (no remount)."""
    with st.container():
        _notes(r)


def _notes(r: GanRunner) -> None:
    ss = st.session_state
    watch = ss.get(WATCH)
    if watch:
        st.info(f"**{watch[0]}** — what to watch: {watch[1]}", icon="👀")
    need = ss.get(PAGE.key("need_points"))
    if need is not None:
        st.info(f"Your points: {need} so far; at least {MIN_POINTS} are needed. Turn on "
                "*Click on the chart adds a point* (sidebar) and click on the chart, or upload "
                "a CSV. Training goes on with the current data meanwhile.")
    with r.lock:
        diagnosis = r.trainer.diagnosis
    if diagnosis:
        st.warning(diagnosis, icon="🔎")


def explain() -> None:
    """The texts: the two players, the generator's gradient, the non-saturating trick, mode
    collapse, and what the charts and numbers mean."""
    with st.expander("What the charts show"):
        st.markdown(text("charts"))
    with st.expander("How a GAN learns"):
        for name in ("players", "gradient", "non_saturating", "collapse"):
            st.markdown(text(name))
