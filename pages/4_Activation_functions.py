"""Learn: every activation in the engine, its derivative, range, saturated and dead regions, and
why a network needs one at all."""

import streamlit as st

from engine import ACTIVATIONS
from ui.charts.activations import activation_figure
from ui.charts.learn.nonlinearity import demo_figure
from ui.learn import common, nonlinearity

presenter = common.setup("Activation functions", keep=("act.name", "act.seed"))
common.defaults({"act.name": "tanh", "act.seed": 0})
ss = st.session_state
height = common.chart_height(presenter)
intro, demo_text = common.text("activations").split("\n---\n")

left, right = st.columns([2, 3], gap="large")
with left:
    st.markdown(intro)
    st.selectbox("Activation", list(ACTIVATIONS), key="act.name",
                 format_func=lambda a: ACTIVATIONS[a].label,
                 help=ACTIVATIONS[ss["act.name"]].description)
    facts = nonlinearity.facts(ss["act.name"])
    st.markdown("\n".join(f"- **{k}**: {v}" for k, v in list(facts.items())[1:]))
with right:
    name = ss["act.name"]
    st.plotly_chart(activation_figure(name, nonlinearity.z_grid(), nonlinearity.regions(name),
                                      height), key="act.chart")
with st.expander("All activations at a glance", expanded=not presenter):
    st.table(nonlinearity.table())

st.subheader("Why non-linearity matters")
st.markdown(demo_text)
with st.expander("Training", expanded=False):
    st.number_input("Seed", 0, 99, step=1, key="act.seed",
                    help="Another seed trains both networks again from other starting weights.")
result = st.cache_data(nonlinearity.demo, show_spinner="Training both networks on xor…")(
    int(ss["act.seed"]))
c = st.columns(2)
for col, kind in zip(c, ("linear", "tanh"), strict=True):
    col.plotly_chart(demo_figure(result, kind, height), key=f"act.demo.{kind}")
st.latex(nonlinearity.affine_tex(result))
common.further("Activation functions")
