"""Learn: mean squared error against cross-entropy after a sigmoid output."""

import streamlit as st

from ui.charts.learn import loss_view as LC
from ui.learn import common, loss_view

presenter = common.setup("Loss functions", keep=("loss.p",))
common.defaults({"loss.p": 0.2})
ss = st.session_state
height = common.chart_height(presenter)

common.explain("loss_functions")
st.slider("p, the probability the network gives the true class", 0.01, 0.99, step=0.01,
          key="loss.p", help="Near 1: right and sure. Near 0: wrong and sure.")
p = ss["loss.p"]
for line in loss_view.lines(p):
    st.latex(line)
curves = st.cache_data(loss_view.curves, show_spinner=False)()
values = loss_view.values(p)
c = st.columns(2, gap="large")
c[0].plotly_chart(LC.figure(curves, values, "loss", p, height), key="loss.values")
c[1].plotly_chart(LC.figure(curves, values, "grad", p, height), key="loss.grads")
