"""Compare: runs that differ in one setting, side by side, from identical starting weights."""

import streamlit as st

from ui.compare import page as ui
from ui.live import panel
from ui.live.session import page_config

ui.init()
page_config("Compare")
values = ui.experiment_controls()

st.title("Compare")
ui.presets()
ui.variation_controls()
cmp = ui.comparison(values)
st.caption(ui.caption(cmp))
ui.preset_note(cmp)
r = ui.PAGE.runner()
ui.sync(r, cmp)
ui.PAGE.show_messages()
panel.transport(ui.PAGE, r, ui.TRANSPORT)
ui.live(r)
ui.start_gradients(r)
ui.exports(r, cmp)
