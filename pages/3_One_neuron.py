"""Learn: one neuron, its weighted sum, its output over the plane, and gradient descent."""

import streamlit as st

from engine import ACTIVATIONS, OPTIMIZERS
from ui.charts.learn import neuron as NC
from ui.learn import common, neuron

presenter = common.setup("One neuron", keep=neuron.DEFAULTS)
common.defaults(neuron.DEFAULTS)
ss = st.session_state
X, y = neuron.toy_data()
height = common.chart_height(presenter)

left, right = st.columns([2, 3], gap="large")
with left:
    common.explain("one_neuron")
    st.slider("Weight w₁", *neuron.W_RANGE, step=neuron.STEP, key="neuron.w1",
              help="Multiplies the first input x₁.")
    st.slider("Weight w₂", *neuron.W_RANGE, step=neuron.STEP, key="neuron.w2",
              help="Multiplies the second input x₂.")
    st.slider("Bias b", *neuron.B_RANGE, step=neuron.STEP, key="neuron.b",
              help="Added to the weighted sum: it moves the line z = 0 parallel to itself.")
    st.selectbox("Activation f", list(ACTIVATIONS), key="neuron.act",
                 format_func=lambda a: ACTIVATIONS[a].label,
                 help=f"What the neuron applies to z. Now: "
                      f"{ACTIVATIONS[ss['neuron.act']].description}")
    with st.expander("The chosen point (the black cross)", expanded=not presenter):
        st.slider("x₁", -4.0, 4.0, step=0.1, key="neuron.x1",
                  help="The point's first coordinate; the formulas use it.")
        st.slider("x₂", -4.0, 4.0, step=0.1, key="neuron.x2",
                  help="The point's second coordinate.")
w1, w2, b, act = ss["neuron.w1"], ss["neuron.w2"], ss["neuron.b"], ss["neuron.act"]
point = (ss["neuron.x1"], ss["neuron.x2"])
with right:
    for tex in neuron.formulas(w1, w2, b, act, point):
        st.latex(tex)
    st.plotly_chart(NC.plane_figure(neuron.plane(w1, w2, b, act), X, y, point, height),
                    key="neuron.plane")
    st.markdown(f"**{neuron.accuracy(w1, w2, b, X, y):.0%}** of the points lie on their "
                "class's side of the line (blue where z > 0).")

st.subheader("Let gradient descent fit it")
st.caption("Learning trains a sigmoid neuron with cross-entropy, starting from the weights on "
           "the sliders. Press Learn, then ▶ Play.")
with st.expander("Learning settings", expanded=not presenter):
    c = st.columns(3)
    c[0].selectbox("Optimizer", list(OPTIMIZERS), key="neuron.opt",
                   format_func=lambda o: OPTIMIZERS[o].label,
                   help=OPTIMIZERS[ss["neuron.opt"]].description)
    c[1].select_slider("Learning rate", neuron.LRS, key="neuron.lr",
                       help="Each step moves the weights by the rate times the gradient.")
    c[2].select_slider("Steps", neuron.STEPS, key="neuron.steps",
                       help="How many gradient steps, each on all the points.")
c = st.columns([1, 1, 3])
c[0].button("Learn", type="primary", on_click=lambda: ss.update({"neuron.learned": True}),
            key="neuron.learn", width="stretch",
            help="Train a sigmoid neuron from the sliders' weights, then replay it.")
if ss["neuron.note"]:
    st.info(ss["neuron.note"])
    ss["neuron.note"] = ""
if ss["neuron.learned"]:
    run = neuron.learn(w1, w2, b, X, y, ss["neuron.opt"], ss["neuron.lr"], ss["neuron.steps"])
    c[1].button("Use learned weights", on_click=neuron.use_learned, args=(ss, run),
                key="neuron.use", width="stretch",
                help="Put the learned weights on the sliders (with a sigmoid activation).")
    st.plotly_chart(NC.run_figure(run, neuron.replay(run), X, y, height + 60),
                    key="neuron.run")
    lw1, lw2, lb = run.learned
    st.markdown(f"After {len(run.loss) - 1} steps: **w₁ = {lw1:.3f}, w₂ = {lw2:.3f}, "
                f"b = {lb:.3f}**, loss {run.loss[-1]:.4f} (from {run.loss[0]:.4f}), "
                f"accuracy {run.accuracy[-1]:.0%}.")
