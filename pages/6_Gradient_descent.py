"""Learn: gradient descent on a landscape. Every optimizer of the engine from one start."""

import streamlit as st

from engine import OPTIMIZERS
from ui.charts.learn import landscape as LC
from ui.learn import common
from ui.learn import landscape as L

presenter = common.setup("Gradient descent on a landscape", keep=L.WIDGETS)
state = st.session_state
height = common.chart_height(presenter)


@st.cache_data(max_entries=32, show_spinner=False)
def contour_grid(name: str, pair: tuple[int, int], res: int = 60):
    return L.surface(name, pair).grid(res)


def on_surface_change():
    L.reset_for(state, L.surface(state["gd.surface"], state.get("gd.good_pair", L.DEFAULT_PAIR)))


state.setdefault("gd.surface", L.SURFACES[0])
state.setdefault("gd.optimizers", list(OPTIMIZERS))
state.setdefault("gd.batch", "full")
state.setdefault("gd.seed", 0)
state.setdefault("gd.wa", L.DEFAULT_PAIR[0])
state.setdefault("gd.wb", L.DEFAULT_PAIR[1])
state.setdefault("gd.good_pair", L.DEFAULT_PAIR)

top = st.columns([3, 3, 2])
name = top[0].selectbox("Loss surface", L.SURFACES, key="gd.surface",
                        format_func=L.SURFACE_LABELS.get, on_change=on_surface_change,
                        help="The function of two parameters every optimizer descends.")
if name == "network":
    pair = (state["gd.wa"], state["gd.wb"])
    if pair[0] == pair[1]:
        st.error("Choose two different weights; the plot keeps the last pair.")
        pair = state["gd.good_pair"]
    elif pair != state["gd.good_pair"]:
        state["gd.good_pair"] = pair
        L.reset_for(state, L.surface(name, pair))
else:
    pair = state["gd.good_pair"]
surf = L.surface(name, pair)
if "gd.lr" not in state:
    L.reset_for(state, surf)
L.clamp_start(state, surf)

with top[1]:
    lr = st.number_input("Learning rate (the same for every optimizer)", min_value=1e-4,
                         max_value=100.0, format="%g", key="gd.lr",
                         help="The step size: SGD moves by the rate times the gradient.")
    buttons = st.columns(len(L.RATES))
    for col, rate in zip(buttons, L.RATES, strict=True):
        col.button(rate, key=f"gd.rate.{rate}", width="stretch",
                   help=f"learning rate {surf.rates[rate]:g}",
                   on_click=state.__setitem__, args=("gd.lr", surf.rates[rate]))
steps = top[2].slider("Steps", 10, L.MAX_STEPS, step=10, key="gd.steps",
                      help="How many steps every optimizer takes.")

with st.expander("Starting point, optimizers" + (", gradients" if surf.n_examples else ""),
                 expanded=False):
    cols = st.columns(2)
    x0, x1, y0, y1 = surf.bounds
    cols[0].number_input(f"Start {surf.axis_titles[0]}", x0, x1, step=0.1, format="%.2f",
                         key="gd.x0", help="Where the paths start (also: click the plot).")
    cols[1].number_input(f"Start {surf.axis_titles[1]}", y0, y1, step=0.1, format="%.2f",
                         key="gd.y0", help="Where the paths start (also: click the plot).")
    chosen = st.multiselect("Optimizers", list(OPTIMIZERS), key="gd.optimizers",
                            help="The optimizers whose paths are drawn.",
                            format_func=lambda k: OPTIMIZERS[k].label)
    if surf.n_examples:
        batch = st.radio("Gradient from", list(L.BATCHES), key="gd.batch", horizontal=True,
                         help="All the training points, a mini-batch of 10, or one example "
                              "per step: the smaller, the noisier the path.",
                         format_func=L.BATCHES.get)
        labels = [label for label, _ in L.network_weights(L.trained_network()[0])]
        wcols = st.columns([2, 2, 1])
        wcols[0].selectbox("First weight (across)", range(len(labels)), key="gd.wa",
                           help="The weight on the horizontal axis; the others stay fixed.",
                           format_func=labels.__getitem__)
        wcols[1].selectbox("Second weight (up)", range(len(labels)), key="gd.wb",
                           help="The weight on the vertical axis.",
                           format_func=labels.__getitem__)
        seed = wcols[2].number_input("Batch seed", 0, 9999, key="gd.seed",
                                     help="Another seed draws other mini-batches.")
    else:
        batch, seed = "full", 0

start = (state["gd.x0"], state["gd.y0"])
paths = L.run_all(surf, chosen, lr, start, steps, batch, seed)
grid = contour_grid(name, tuple(pair))

left, right = st.columns([3, 2])
with left:
    st.caption("Click anywhere on the plot to start there; ▶ Play replays the paths.")
    st.plotly_chart(LC.landscape_figure(surf, grid, paths, start, height=height + 120),
                    key="gd.chart", on_select=lambda: L.apply_selection(state),
                    selection_mode="points", theme=None, config={"displayModeBar": False})
with right:
    if not chosen:
        st.info("Choose at least one optimizer (under 'Starting point, optimizers').")
    else:
        st.plotly_chart(LC.loss_figure(surf, paths, height=height // 2 + 60), theme=None,
                        key="gd.loss", config={"displayModeBar": False})
        stopped = [f"{OPTIMIZERS[p.optimizer].label} {p.stopped}" for p in paths if p.stopped]
        if stopped:
            st.warning("Learning rate too large for some: " + "; ".join(stopped) + ". "
                       "Their paths end there.")
        st.dataframe(L.summary(surf, paths), hide_index=True, width="stretch")
    if surf.note:
        st.caption(surf.note)
common.explain("gradient_descent")
