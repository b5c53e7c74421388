"""The playground's panels: transport bar, live drawing (a fragment), and the detail tabs."""

import streamlit as st

from engine import ACTIVATIONS, CUSTOM, STOPPED, to_csv
from ui.live import frames as live_frames
from ui.live.components import live_chart, live_status, save_charts_button, share_link
from ui.live.runner import LOAD, SPEEDS, Runner

from . import session
from . import view as views
from .controls import HELP
from .state import UI_FLAGS, visible


def _noop() -> None:
    """Registers a chart's click event; the click itself is read from the chart's result."""


def show_messages() -> None:
    """Show and forget the queued messages."""
    for kind, text in st.session_state.pop("messages", []):
        getattr(st, kind)(text)


def transport(r: Runner) -> None:
    """Play/Pause, Step (epoch), Step (batch), Reset, and the speed."""
    cols = st.columns([1.2, 1, 1, 1, 2.4], vertical_alignment="bottom")
    st.session_state["live.shown_playing"] = r.playing  # the live panel compares (see there)
    if visible("play"):
        if r.playing:
            cols[0].button("Pause", on_click=r.pause, key="btn.pause", type="primary",
                           icon=":material/pause:",
                           width="stretch", help=HELP["play"])
        else:
            cols[0].button("Play", on_click=r.play, key="btn.play", type="primary",
                           icon=":material/play_arrow:",
                           width="stretch", help=HELP["play"])
    if visible("step"):
        cols[1].button("Step epoch", on_click=r.step_epoch, key="btn.step_epoch",
                       width="stretch", help=HELP["step_epoch"])
        cols[2].button("Step batch", on_click=r.step_batch, key="btn.step_batch",
                       width="stretch", help=HELP["step_batch"])
    if visible("reset"):
        cols[3].button("Reset", on_click=r.reset, key="btn.reset", width="stretch",
                       icon=":material/restart_alt:",
                       help=HELP["reset"])
    if visible("speed"):
        speed = cols[4].select_slider("Speed (epochs per second)", list(SPEEDS), key="ui.speed",
                                      help=HELP["speed"])
        r.speed = SPEEDS[speed]


def view_options() -> views.ViewOptions:
    ss = st.session_state
    return views.ViewOptions(show_test=ss.get("ui.show_test", False),
                             discretize=ss.get("ui.discretize", False),
                             log_scale=ss.get("ui.log", False),
                             selected=ss.get("selected_node"),
                             presenter=ss.get("presenter", False))


RETUNE = 2.0  # seconds between checks of the redraw interval while playing (timer mode)


def live(r: Runner) -> None:
    """The live panels: the main one (status, diagram, map, loss) and the internals (accuracy,
    weights, gradients, confusion), which redraw less often, since every chart costs the
    browser time.

    Served by serve.py, the charts fetch their frames themselves while playing (live_frames);
    Streamlit draws them only when something else changes. Otherwise (timer mode) they are
    fragments that rerun at the load monitor's interval, inside an outer fragment that reruns
    every RETUNE seconds while playing and re-declares them with the interval the load now
    calls for: a fragment's `run_every` is only read when it is declared, and this way changing
    it costs no whole-page rerun."""
    ss = st.session_state
    ch = live_frames.channel(r)
    ch.view = view_options()
    ch.internals = ss.get("ui.internals", True)
    timers = r.playing and not live_frames.served()

    @st.fragment(run_every=RETUNE if timers else None)
    def live_panel() -> None:
        interval = LOAD.frame_interval(ss.get("live.interval")) if timers else None
        ss["live.interval"] = interval
        st.fragment(run_every=interval)(_main_panel)(r, ch)
        # Under load the slow panel slows down with the number of sessions playing, so that
        # the main charts keep their rate.
        slow = interval * live_frames.INTERNALS_EVERY * max(1, LOAD.n_playing) \
            if interval else None
        st.fragment(run_every=slow)(_internals_panel)(r, ch)

    live_panel()


def _live(ch: live_frames.Channel, playing: bool) -> dict | None:
    """What a chart needs to fetch its own frames, when the route is served."""
    return {"url": ch.url, "playing": playing} if live_frames.served() else None


def _main_panel(r: Runner, ch: live_frames.Channel) -> None:
    """Status line, network diagram, output map and loss curve."""
    f = live_frames.build(ch)
    snap, figs, live = f.snap, f.figs, _live(ch, f.playing)
    if r.error:
        st.error(r.error)
    if snap.status == "diverged":
        st.error(f"Training diverged: {snap.reason}", icon="⚠️")
    elif snap.status == STOPPED:
        st.info(f"Stopped: {snap.reason}.")
    live_status(f.status, f.seq, live, on_ended=_noop)
    left, right = st.columns([5, 6])
    with left:
        node = live_chart(figs["net"], "net", frame=snap.steps, on_click=_noop, seq=f.seq,
                          live=live)
    with right:
        point = live_chart(figs["map"], "map", frame=snap.steps, on_click=_noop, seq=f.seq,
                           live=live)
    live_chart(figs["loss"], "loss", frame=snap.steps, seq=f.seq, live=live)
    _handle_clicks(node, point, snap)
    if r.playing != st.session_state.get("live.shown_playing"):
        st.rerun()  # training stopped by itself: the buttons follow


def _internals_panel(r: Runner, ch: live_frames.Channel) -> None:
    """Accuracy (or R²), weight heatmaps, gradient norms, confusion matrix."""
    if not ch.internals:
        return
    with r.lock:
        ins = views.internals(r.trainer)
        run_id, steps, playing = r.run_id, r.trainer.steps, r.playing
    figs = views.internal_figures(ins, run_id)
    live, seq = _live(ch, playing), ch.seq
    c1, c2 = st.columns(2)
    with c1:
        live_chart(figs["metric"], "metric", frame=steps, seq=seq, live=live)
    with c2:
        live_chart(figs["weights"], "weights", frame=steps, seq=seq, live=live)
    c1, c2 = st.columns(2)
    with c1:
        live_chart(figs["grads"], "grads", frame=steps, seq=seq, live=live)
    if "confusion" in figs:
        with c2:
            live_chart(figs["confusion"], "confusion", frame=steps, seq=seq, live=live)


def _handle_clicks(node, point, snap: views.Snapshot) -> None:
    ss = st.session_state
    if node is not None and node.click and node.click.get("curve") == 0:
        index, sizes = int(node.click["point"]), [len(snap.config.features),
                                                  *snap.config.hidden, len(snap.biases[-1])]
        for col, n in enumerate(sizes):
            if index < n:
                session.queue_click("node", {"node": (col, index)})
                st.rerun()
            index -= n
    if point is not None and point.click and ss.get("ui.click_adds", False):
        session.queue_click("map", point.click)
        st.rerun()


def details(r: Runner) -> None:
    """Tabs under the live panel: view options, activation, data and files, classroom."""
    tabs = st.tabs(["View", "Activation", "Data & files", "Classroom"])
    with tabs[0]:
        c = st.columns(4)
        c[0].toggle("Show test data", key="ui.show_test", help=HELP["show_test"])
        c[1].toggle("Discretize output", key="ui.discretize", help=HELP["discretize"])
        c[2].toggle("Log-scale loss", key="ui.log", help=HELP["log_scale"])
        c[3].toggle("Weights and gradients", key="ui.internals",
                    help="Weight heatmaps, gradient norms per layer, dead units and the "
                         "confusion matrix, updated live.")
        st.caption("Click a neuron in the diagram to see its output large on the map; click "
                   "it again to return. Scroll to zoom the map, drag to pan, double-click to "
                   "reset; the camera icon saves a chart as PNG.")
    with tabs[1]:
        act = st.session_state["net.act"]
        st.plotly_chart(views.activation_figure(act), key="fig.activation")
        st.caption(ACTIVATIONS[act].description)
    with tabs[2]:
        data_and_files(r)
    with tabs[3]:
        classroom()


def data_and_files(r: Runner) -> None:
    ss = st.session_state
    with r.lock:
        t = r.trainer
        task, n_classes = t.task, max(t.data.n_classes, 2)

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
        c[1].slider("Value of new points", -1.0, 1.0, 0.5, 0.1, key="click_value")
    else:
        c[1].radio("Class of new points", list(range(n_classes)), key="click_label",
                   horizontal=True, format_func=lambda k: ["orange", "blue", "green", "red",
                                                           "purple", "brown", "pink",
                                                           "teal"][k])
    c[2].button("Clear points", on_click=session.clear_points, args=(r,),
                help="Remove the training points (one of each class stays).")
    st.markdown("**Export**")
    save_charts_button()
    c = st.columns(3)
    c[0].download_button("Settings (JSON)", config_json, "playground-config.json",
                         "application/json", key="dl.config")
    c[1].download_button("Trained model (.npz)", model_bytes, "playground-model.npz",
                         "application/octet-stream", key="dl.model")
    c[2].download_button("Data (CSV)", data_csv, "playground-data.csv", "text/csv",
                         key="dl.data")
    st.markdown("**Import**")
    c = st.columns(3)
    c[0].file_uploader("Settings (JSON)", type=["json"], key="upload.config",
                       on_change=session.on_config_upload)
    c[1].file_uploader("Model (.npz)", type=["npz"], key="upload.model",
                       on_change=session.on_model_upload)
    c[2].file_uploader("Your data (CSV: x1, x2, label)", type=["csv", "txt"], key="upload.csv",
                       on_change=session.on_csv_upload,
                       help="Two numeric columns and a label: whole numbers 0, 1, ... for "
                            "classes, or any numbers for regression. A header row is optional.")
    if ss.get("cfg.dataset") == CUSTOM:
        st.caption("Training on your own points.")


HIDEABLE = {"task": "Problem type", "dataset": "Dataset", "n_samples": "Samples",
            "noise": "Noise", "train_ratio": "Training share", "n_classes": "Classes",
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
                            key="ui.hide")
    ss["hidden_controls"] = set(chosen)
    ss["presenter"] = st.toggle("Presenter view (large charts, sidebar closed)",
                                value=ss.get("presenter", False), key="ui.presenter")
    st.caption("Share this page's link: it carries every setting, the seed included, and the "
               "hidden controls, so it opens the same data, weights and run.")
    share_link()
    st.caption(f"Classroom flags in the link: {', '.join(UI_FLAGS)}.")
