"""A complete live training page on the shared framework, as small as one can be: a dense
network on two moons, a learning-rate and a width control, Play/Pause/Step/Reset and speed, the
output map and the loss curve redrawn while it trains, its settings in the URL. The test
tests/test_live_framework.py runs it and counts its lines."""

from dataclasses import dataclass

import streamlit as st

from engine import Config
from ui.charts import curves, maps
from ui.live import panel
from ui.live.runner import Runner
from ui.live.session import LivePage
from ui.live.widgets import field_widget

PAGE = LivePage("mini", lambda: Runner(st.session_state["mini.config"]))


@dataclass
class MoonsView:
    """The live view: a copy of the map and the losses, then their figures."""

    slow: bool = False

    def snapshot(self, r, what):
        t = r.trainer
        return (t.epoch, dict(t.history.last), t.predict_grid(60), t.data,
                {k: list(t.history[k]) for k in ("epoch", "train_loss", "test_loss")})

    def figures(self, snap, run_id, what):
        _, _, grid, d, h = snap
        return {"map": maps.output_map(grid, d.bounds, d.task, "sigmoid", d.X_train, d.y_train,
                                       revision=f"run{run_id}"),
                "loss": curves.loss_chart(h["epoch"], h["train_loss"], h["test_loss"],
                                          revision=f"run{run_id}")}

    def status(self, snap, epochs_per_s):
        return f"Epoch {snap[0]:,} · test loss {snap[1].get('test_loss', float('nan')):.4f}"


ss = st.session_state
if PAGE.first_run():
    config, warnings = Config.from_query(st.query_params.to_dict(), Config(dataset="moons"))
    ss["mini.config"], ss["mini.lr"], ss["mini.width"] = config, config.lr, config.hidden[0]
    ss["mini.speed"] = "100"
r = PAGE.runner()
lr = field_widget(Config.FIELDS["lr"], "mini.lr", st.sidebar)
width = st.sidebar.slider("Neurons", 1, 16, key="mini.width")
try:
    r.apply(r.trainer.config.replace(lr=lr, hidden=(width, width)))
except ValueError as e:
    PAGE.message("warning", f"Not applied: {e}")
PAGE.sync_url(r.trainer.config.to_query())
st.title("Moons")
PAGE.show_messages()
panel.transport(PAGE, r, panel.Transport("mini"))
panel.live_panel(PAGE, r, MoonsView(), panel.Layout(main=((panel.Chart("map"),
                                                           panel.Chart("loss")),)))
