"""Learn: what hidden layers see. Every neuron's map, and the input plane as a layer sees it."""

import streamlit as st

from engine import ACTIVATIONS, DATASETS
from ui.charts.learn import hidden as HC
from ui.learn import common
from ui.learn import hidden as H

presenter = common.setup("What hidden layers see", keep=H.WIDGETS)
height = common.chart_height(presenter)
state = st.session_state
train = st.cache_data(max_entries=32, show_spinner="Training…")(H.train)

state.setdefault("hl.dataset", H.DEFAULT_DATASET)
state.setdefault("hl.arch", 0)
state.setdefault("hl.activation", H.DEFAULT_ACTIVATION)
top = st.columns(3)
dataset = top[0].selectbox("Dataset", H.CHOICES, key="hl.dataset",
                           format_func=lambda k: DATASETS[k].label,
                           help=DATASETS[state["hl.dataset"]].description)
arch = top[1].selectbox("Hidden layers", range(len(H.ARCHITECTURES)), key="hl.arch",
                        help="The neurons of each hidden layer, first to last.",
                        format_func=lambda k: " → ".join(map(str, H.ARCHITECTURES[k]))
                        + " neurons")
activation = top[2].selectbox("Activation", list(ACTIVATIONS), key="hl.activation",
                              format_func=lambda k: ACTIVATIONS[k].label,
                              help=ACTIVATIONS[state["hl.activation"]].description)
result = train(dataset, H.ARCHITECTURES[arch], activation)
st.markdown(f"Trained by the engine for {result.epochs} epochs (Adam): "
            f"training accuracy **{100 * result.train_accuracy:.1f} %**, "
            f"test accuracy **{100 * result.test_accuracy:.1f} %**.")
if DATASETS[dataset].real:
    st.caption(H.real_note(result))

st.subheader("Every neuron's output over the input plane")
st.plotly_chart(HC.neuron_maps_figure(result, height_per_row=height // 3), theme=None,
                key="hl.maps", config={"displayModeBar": False})

st.subheader("The input plane, as a hidden layer sees it")
names = HC.layer_names(result)[:-1]
layer = H.pick(state, result)
cols = st.columns(3)
cols[0].selectbox("Layer", range(len(names)), key="hl.layer", format_func=names.__getitem__,
                  help="The hidden layer whose view of the plane is drawn.")
width = result.hidden[layer]
neuron = [f"neuron {k + 1}" for k in range(width)]
cols[1].selectbox("Across: neuron", range(width), key="hl.i", format_func=neuron.__getitem__,
                  help="The neuron whose output is the horizontal axis.")
cols[2].selectbox("Up: neuron", range(width), key="hl.j", format_func=neuron.__getitem__,
                  help="The neuron whose output is the vertical axis.")
i, j = state["hl.i"], state["hl.j"]
if width < 2:
    st.info("This layer has one neuron; choose an architecture with two or more per layer.")
elif i == j:
    st.error("Choose two different neurons.")
else:
    warp = HC.warp_figure(result, layer, i, j, H.warped(result, layer, i, j), height + 60)
    st.plotly_chart(warp, theme=None, key="hl.warp", config={"displayModeBar": False})
common.explain("hidden_layers")
common.further("What hidden layers see")
