"""The Playground's panels under the live charts: view options, the activation, data and files,
and the classroom settings."""

import streamlit as st

from engine import ACTIVATIONS, CUSTOM, to_csv
from ui.charts.activations import activation_figure
from ui.live.components import save_charts_button, share_link
from ui.live.runner import Runner
from ui.live.session import FLAGS
from ui.live.widgets import HELP

from . import actions
from . import view as views
from .controls import TASKS as TASK_NAMES

COLOUR_NAMES = ["orange", "blue", "green", "red", "purple", "brown", "pink", "teal"]


def live_view() -> views.PlaygroundView:
    """The live view with the page's view options."""
    ss = st.session_state
    return views.PlaygroundView(
        views.ViewOptions(show_test=ss.get("ui.show_test", False),
                          discretize=ss.get("ui.discretize", False),
                          log_scale=ss.get("ui.log", False), selected=ss.get("selected_node"),
                          presenter=ss.get("presenter", False), hold=ss.get("pg.hold", "median"),
                          held=dict(ss.get("pg.held", {}))),
        slow=ss.get("ui.internals", True))


def details(r: Runner) -> None:
    """Tabs under the live panel: view options, activation, data and files, classroom."""
    tabs = st.tabs(["View", "Activation", "Data & files", "Classroom"], key="pg.tabs")
    with tabs[0]:
        c = st.columns(4)
        c[0].toggle("Show test data", key="ui.show_test", help=HELP["show_test"])
        c[1].toggle("Discretize output", key="ui.discretize", help=HELP["discretize"])
        c[2].toggle("Log-scale loss", key="ui.log", help=HELP["log_scale"])
        c[3].toggle("Weights and gradients", key="ui.internals", help=HELP["internals"])
        st.caption("Click a neuron in the diagram to see its output large on the map; click "
                   "it again to return. Drag to pan the map, zoom with the toolbar above it, "
                   "double-click to reset; the camera icon saves a chart as PNG.")
    with tabs[1]:
        act = st.session_state["net.act"]
        st.plotly_chart(activation_figure(act), key="fig.activation")
        st.caption(f"{ACTIVATIONS[act].label}: {ACTIVATIONS[act].description}")
    with tabs[2]:
        data_and_files(r)
    with tabs[3]:
        classroom()


def data_and_files(r: Runner) -> None:
    ss = st.session_state
    with r.lock:
        t = r.trainer
        task, n_classes = t.task, max(t.data.n_classes, 2)
        class_names, (lo, hi) = t.data.class_names, t.target_range()

    # Built when a button is pressed: settings may change in a fragment run after this one.
    def config_json() -> str:
        with r.lock:
            return r.trainer.config.to_json()

    def model_bytes() -> bytes:  # built only when the button is pressed
        with r.lock:
            return r.trainer.to_bytes()

    def data_csv() -> str:
        with r.lock:
            return to_csv(r.trainer.data)

    st.markdown("**Add points by clicking on the map**")
    c = st.columns([1.2, 2, 1.2])
    c[0].toggle("Click adds a point", key="ui.click_adds", help=HELP["add_class"])
    if task == "regression":
        if not lo <= ss.setdefault("click_value", 0.5) <= hi:
            ss["click_value"] = (lo + hi) / 2
        c[1].slider("Value of new points", lo, hi, step=(hi - lo) / 20, key="click_value",
                    help=HELP["click_value"], format="%.4g")
    else:
        c[1].radio("Class of new points", list(range(n_classes)), key="click_label",
                   horizontal=True, help=HELP["click_label"],
                   format_func=lambda k: COLOUR_NAMES[k] + (f" ({class_names[k]})"
                                                            if class_names else ""))
    c[2].button("Clear points", on_click=actions.clear_points, args=(r,),
                help=HELP["clear_points"])
    st.markdown("**Export**")
    save_charts_button()
    c = st.columns(3)
    c[0].download_button("Settings (JSON)", config_json, "playground-config.json",
                         "application/json", key="dl.config", help=HELP["download_config"])
    c[1].download_button("Trained model (.npz)", model_bytes, "playground-model.npz",
                         "application/octet-stream", key="dl.model", help=HELP["download_model"])
    c[2].download_button("Data (CSV)", data_csv, "playground-data.csv", "text/csv",
                         key="dl.data", help=HELP["download_data"])
    st.markdown("**Import**")
    c = st.columns(3)
    c[0].file_uploader("Settings (JSON)", type=["json"], key="upload.config",
                       on_change=actions.on_config_upload, help=HELP["upload_config"])
    c[1].file_uploader("Model (.npz)", type=["npz"], key="upload.model",
                       on_change=actions.on_model_upload, help=HELP["upload_model"])
    c[2].file_uploader("Your data (CSV: columns, then the label)", type=["csv", "txt"],
                       key="upload.csv",
                       on_change=actions.on_csv_upload, help=HELP["upload_csv"])
    note = ss.get("pg.upload_note")
    if note:  # what the last upload did, where the user looks
        getattr(st, note[0])(note[1])
    if ss.get("cfg.dataset") == CUSTOM:
        st.caption(f"Training on your own points ({TASK_NAMES.get(task, task)}).")


HIDEABLE = {"task": "Problem type", "dataset": "Dataset", "n_samples": "Samples",
            "noise": "Noise", "train_ratio": "Training share", "n_classes": "Classes",
            "scale": "Scale inputs", "columns": "Map columns and other inputs",
            "batch_size": "Batch size", "seed": "Seed and Regenerate", "features": "Inputs",
            "layers": "Hidden layers", "width": "Neurons per layer", "activation": "Activation",
            "output": "Output and loss", "init": "Initial weights", "lr": "Learning rate",
            "optimizer": "Optimizer", "regularization": "L1 and L2", "dropout": "Dropout",
            "schedule": "Schedule", "stops": "Stop conditions", "play": "Play/Pause",
            "step": "Step buttons", "reset": "Reset", "speed": "Speed"}


def classroom() -> None:
    """Hide controls and switch to the presenter view; both are written into the link."""
    ss = st.session_state
    chosen = st.multiselect("Hide these controls", list(HIDEABLE), format_func=HIDEABLE.get,
                            default=sorted(ss.get("hidden_controls", set()) & set(HIDEABLE)),
                            key="ui.hide", help=HELP["hide"])
    ss["hidden_controls"] = set(chosen)
    ss["presenter"] = st.toggle("Presenter view (large text and charts, sidebar closed)",
                                value=ss.get("presenter", False), key="ui.presenter",
                                help=HELP["presenter"])
    st.caption("Share this page's link: it carries every setting, the seed included, and the "
               "hidden controls, so it opens the same data and the same starting weights "
               "(not the trained ones: save the model for those).")
    share_link()
    st.caption(f"Classroom flags in the link: {', '.join(FLAGS)}.")
