"""The Digits page's panels: the view options, the drawing canvas with its preprocessing and
the network's reading of it, a convolution step by step on the chosen digit, and the texts."""

from pathlib import Path

import streamlit as st

from engine.data.images import preprocess_drawing
from engine.images import ImageTrainer
from ui.charts import images
from ui.live import frames
from ui.live.components import draw_canvas, live_chart, static_chart
from ui.live.runner import Runner
from ui.live.session import presenter

from .state import CHOSEN, PAGE
from .view import DigitsView

TEXTS = Path(__file__).resolve().parents[2] / "assets" / "digits"
DRAWN = PAGE.key("drawn")  # the 8×8 image of the last drawing, or None


def text(name: str) -> str:
    return (TEXTS / f"{name}.md").read_text(encoding="utf-8").strip()


def live_view() -> DigitsView:
    ss = st.session_state
    return DigitsView(shifted=ss.get("dig.shifted", False), chosen=int(ss.get(CHOSEN, 0)),
                      drawn=ss.get(DRAWN), presenter=presenter(),
                      slow=ss.get("dig.slow", True))


def view_options(r: Runner) -> None:
    """Which test set the slow charts show, and which digit they look inside."""
    with r.lock:
        n_test = r.trainer.n_test
    c = st.columns([1.3, 1.3, 1])
    c[0].toggle("Shifted test set", key="dig.shifted",
                help="Show the confusion matrix, the mistakes and the chosen digit on the test "
                     "digits moved by 1 or 2 pixels.")
    c[1].toggle("Look inside (mistakes, filters, feature maps)", key="dig.slow",
                help="The slower charts: they cost the browser time at every redraw.")
    st.session_state[CHOSEN] = min(int(st.session_state.get(CHOSEN, 0)), max(n_test - 1, 0))
    c[2].number_input("Test digit #", 0, max(n_test - 1, 0), step=1, key=CHOSEN,
                      help="The test digit whose feature maps and probabilities are shown "
                           "(or click a mistake or a test digit).")


def clicked_digit(chart: str, click: dict, frame) -> int | None:
    """The test digit a click points at: on the gallery of mistakes, tile i is mistake i of
    the frame that was shown; on the strip of test digits, tile i is test digit i. Else None."""
    if chart not in ("mistakes", "testset") or frame.slow is None:
        return None
    i = int(click.get("point", -1))
    if chart == "testset":
        return i if 0 <= i < len(frame.slow.strip_labels) else None
    return int(frame.slow.mistakes.index[i]) if 0 <= i < len(frame.slow.mistakes) else None


def on_click(chart: str, click: dict, frame) -> None:
    """A click on a mistake chooses that digit to look inside."""
    chosen = clicked_digit(chart, click, frame)
    if chosen is not None:
        st.session_state[CHOSEN] = chosen
        st.rerun()


def draw_section(r: Runner) -> None:
    """A canvas to draw a digit on, the drawing's preprocessing, and what the network reads
    in it, updated as you draw and as it trains (in a fragment of its own: a stroke reruns
    only this part of the page)."""
    ss = st.session_state

    @st.fragment
    def section() -> None:
        left, right = st.columns([1, 2], gap="large")
        with left:
            st.markdown(text("drawing"))
            drawn = draw_canvas(PAGE.key("canvas"), size=200)
        digit = preprocess_drawing(drawn) if drawn is not None else None
        ss[DRAWN] = None if digit is None else digit.image
        ch = frames.channel(r)
        if ch.view is not None:
            ch.view.drawn = ss[DRAWN]  # fetched frames follow the new drawing
        with right:
            if digit is None:
                st.info("Draw a digit in the square: the network's reading appears here.")
                return
            static_chart(images.drawing_steps(drawn, digit.crop, digit.centred, digit.image,
                                              digit.adjusted),
                         PAGE.key("steps"))
            with r.lock:
                proba = r.trainer.predict_proba(digit.image)
                playing = r.playing
            fig = images.probabilities(proba, "What it reads in your drawing", height=260)
            live_chart(fig, "drawn", seq=0, slow=True,
                       live={"url": ch.url, "playing": playing} if frames.served() else None)
            best = int(proba.argmax())
            st.caption(f"It reads a **{best}** ({proba[best]:.0%} sure).")

    section()


def conv_section(r: Runner) -> None:
    """One step of the first convolution on the chosen digit, with the engine's numbers."""
    with r.lock:
        t: ImageTrainer = r.trainer
        if t.config.model != "cnn":
            return
        conv = t.conv_layers()[0]
        chosen = int(st.session_state.get(CHOSEN, 0)) % max(t.n_test, 1)
        shifted = st.session_state.get("dig.shifted", False)
        image = (t.X_shifted if shifted else t.X_test)[chosen, 0].copy()
        weight, bias = conv.weight.copy(), conv.bias.copy()
        maps = t.feature_maps(chosen, shifted)
    out = maps[0][1]  # after the first convolution and its activation
    with st.expander("A convolution step by step (the first layer, on the chosen digit)"):
        st.markdown(text("filters"))
        c = st.columns(3)
        f = c[0].number_input("Filter", 1, weight.shape[0], step=1, key=PAGE.key("conv_f"),
                              help="Which filter of the first convolution slides.") - 1
        row = c[1].slider("Row", 0, out.shape[1] - 1, key=PAGE.key("conv_r"),
                          help="The output position's row.")
        col = c[2].slider("Column", 0, out.shape[2] - 1, key=PAGE.key("conv_c"),
                          help="The output position's column.")
        pad = (weight.shape[-1] - 1) // 2 if t.config.padding else 0
        static_chart(images.conv_step(image, weight[f, 0], float(bias[f]), row, col, pad,
                                      float(out[f, row, col]), t.config.conv_activation),
                     PAGE.key("conv_chart"))
        st.caption(f"The value the engine computed there: {out[f, row, col]:.3f} (feature map "
                   f"{f + 1} of the first convolution).")

