"""Learn: the overfitting lab. A big network on a few noisy points, and what each remedy does."""

import streamlit as st

from ui.charts.learn import overfitting as OC
from ui.learn import common
from ui.learn import overfitting as O

presenter = common.setup("Overfitting lab", keep=O.WIDGETS)
height = common.chart_height(presenter)
run = st.cache_data(max_entries=64, show_spinner="Training…")(O.run)

switches = st.columns(len(O.REMEDIES) + 1)
on = {name: switches[i].toggle(label, key=f"of.{name}", help=help_)
      for i, (name, (label, help_)) in enumerate(O.REMEDIES.items())}
seed = 0
if not presenter:
    seed = switches[-1].number_input("Data seed", 0, 999, key="of.seed",
                                     help="Draw another noisy dataset (and initial weights).")
remedies = O.Remedies(**on)
result = run(remedies, int(seed))
reference = run(O.Remedies(), int(seed)) if any(on.values()) else None

st.markdown(
    f"**Lowest test loss {result.min_test:.3f} at epoch {result.best_epoch}; "
    f"the final weights' test loss is {result.final_test:.3f}, "
    f"{100 * result.rise:.0f} % above it.** "
    f"Training loss {result.final_train:.3f} · test accuracy {100 * result.test_accuracy:.1f} %"
    + (f" · {result.reason}" if result.stop_epoch is not None else ""))
left, right = st.columns(2)
left.plotly_chart(OC.loss_figure(result, reference, height=height), theme=None, key="of.loss",
                  config={"displayModeBar": False})
right.plotly_chart(OC.boundary_figure(result, height=height), theme=None, key="of.map",
                   config={"displayModeBar": False})
if not presenter:
    st.dataframe(O.numbers(result), hide_index=True)
common.explain("overfitting")
