"""GAN: a generator and a discriminator trained against each other, live, on 2-D points (yours
too) or on 8×8 digits; watch the discriminator's map, the generator's warped noise and the push
on each generated point."""

import streamlit as st

from ui.gan import actions, controls, digits_panels, panels, state, view
from ui.live import panel
from ui.live.session import page_config

state.init()
page_config("GAN")
actions.handle_pending()
mode = controls.mode()
st.title("GAN: two networks in a game")
st.markdown(panels.text("intro"))

if mode == state.POINTS_MODE:
    PAGE = state.PAGE
    runner = PAGE.runner()
    controls.presets()
    values = controls.data_controls() | controls.game_controls()

    def training(values: dict) -> None:
        """The live settings, applied with the others; the settings in force go to the URL."""
        actions.apply(runner, values | controls.training_controls())
        PAGE.sync_url(state.url_query())

    PAGE.settings_fragment(training, values)
    PAGE.show_messages()
    panels.notes(runner)
    panel.transport(PAGE, runner, panels.transport("gan"))
    panels.view_options(runner)
    panel.live_panel(PAGE, runner, panels.live_view(), view.LAYOUT, on_click=actions.on_click)
    panels.explain()
else:
    digits_panels.page()
