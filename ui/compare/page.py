"""The Compare page's state, controls and panels.

Widgets live under "cmp.*" keys, apart from the playground's, so the two pages never change each
other's settings. `init()` seeds them once per session from the URL or, without one, from the
playground's current settings. `comparison()` reads them back into a `Comparison` (keeping the
last good one when they do not fit), `sync()` rebuilds the session's GroupRunner when the
experiment changed and mirrors it in the URL. Settings the page has no widget for (output,
loss, initializer, L1/L2, ...) are kept from the base config they came with.
"""

import math
import time
import uuid
from dataclasses import replace
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from engine import ACTIVATIONS, CUSTOM, DATASETS, FEATURES, OPTIMIZERS, Config
from engine.config import BATCHES, LEARNING_RATES, SAMPLES
from ui.charts import compare as compare_charts
from ui.live.components import live_chart
from ui.live.runner import LOAD, SPEEDS, GroupRunner
from ui.playground.controls import HELP
from ui.playground.panels import RETUNE
from ui.playground.state import keep_widgets

from . import view as compare_view
from .model import (
    PRESETS,
    VARIABLES,
    Comparison,
    one_activation,
    one_dropout,
    parse_hidden,
    results_csv,
    results_row,
)

TEXT_KEYS = ("dataset", "noise", "n_samples", "features", "hidden", "activation", "optimizer",
             "lr", "batch_size", "max_epochs", "seed")
WIDGETS = [f"cmp.{k}" for k in TEXT_KEYS] + ["cmp.vary", "cmp.values", "cmp.target",
                                               "cmp.speed", "cmp.log"]
TABLE_EVERY = 3  # the results table redraws once per this many chart redraws


# --- state ------------------------------------------------------------------------------
def _message(kind: str, text: str) -> None:
    st.session_state.setdefault("cmp.messages", []).append((kind, text))


def write(cmp: Comparison) -> None:
    """Set every widget from `cmp` (only before the widgets are drawn, or in a callback)."""
    ss, b = st.session_state, cmp.base
    ss["cmp.base"] = b
    ss["cmp.dataset"], ss["cmp.noise"], ss["cmp.n_samples"] = b.dataset, b.noise, b.n_samples
    ss["cmp.features"] = list(b.features)
    ss["cmp.hidden"] = ", ".join(str(h) for h in b.hidden)
    ss["cmp.activation"] = one_activation(b)
    ss["cmp.optimizer"], ss["cmp.lr"], ss["cmp.batch_size"] = b.optimizer, b.lr, b.batch_size
    ss["cmp.max_epochs"], ss["cmp.seed"] = b.max_epochs, b.seed
    ss["cmp.vary"], ss["cmp.values"] = cmp.variable, list(cmp.values)
    ss["cmp.target"] = cmp.target


def _start() -> Comparison:
    """The first comparison of a session: the URL's, else one built on the playground's
    settings, else the default."""
    ss = st.session_state
    query = st.query_params.to_dict()
    if "vary" in query:
        cmp, warnings = Comparison.from_query(query)
        ss["cmp.url_warnings"] = warnings
        return cmp
    base = ss.get("good_config")
    if isinstance(base, Config) and base.dataset != CUSTOM:
        try:
            cmp = Comparison(base=base)
            cmp.configs()
            return cmp
        except ValueError:
            pass
    return Comparison()


def init() -> None:
    """Seed the widgets once per session; afterwards keep their values across visits to other
    pages."""
    ss = st.session_state
    if "cmp.good" not in ss:
        ss["cmp.good"] = _start()
        write(ss["cmp.good"])
        ss["cmp.speed"], ss["cmp.log"] = "100", False
    keep_widgets(WIDGETS, "cmp.widgets")


def comparison() -> Comparison:
    """The comparison the widgets describe, or the last good one with a message saying why
    the new one was not used."""
    ss = st.session_state
    try:
        hidden = parse_hidden(str(ss["cmp.hidden"]))
        base = ss["cmp.base"].replace(
            dataset=ss["cmp.dataset"], noise=float(ss["cmp.noise"]),
            n_samples=int(ss["cmp.n_samples"]), features=tuple(ss["cmp.features"]),
            hidden=hidden, activation=ss["cmp.activation"], dropout=one_dropout(ss["cmp.base"]),
            optimizer=ss["cmp.optimizer"], lr=float(ss["cmp.lr"]),
            batch_size=int(ss["cmp.batch_size"]), max_epochs=int(ss["cmp.max_epochs"]),
            seed=int(ss["cmp.seed"]))
        cmp = Comparison(base, ss["cmp.vary"], tuple(ss["cmp.values"]),
                         float(ss["cmp.target"]))
        cmp.configs()
    except ValueError as e:
        _message("warning", f"Not applied: {e}. The runs keep the last valid settings.")
        return ss["cmp.good"]
    ss["cmp.good"] = cmp
    return cmp


@st.cache_resource(scope="session", on_release=lambda r: r.close(), show_spinner=False)
def _session_runner(token: str) -> GroupRunner:
    cmp = st.session_state["cmp.good"]
    r = GroupRunner(cmp.configs(), cmp.labels())
    st.session_state["cmp.running"] = cmp
    return r


def runner() -> GroupRunner:
    """This session's comparison runner (closed when the session ends); also kept in session
    state as `cmp.runner`, for tests."""
    r = _session_runner(st.session_state.setdefault("cmp.token", uuid.uuid4().hex))
    st.session_state["cmp.runner"] = r
    return r


def sync(r: GroupRunner, cmp: Comparison) -> None:
    """Rebuild the runs when the experiment changed (not for the target loss alone), start
    them when a preset asked to, and mirror the comparison in the URL."""
    ss = st.session_state
    running = ss.get("cmp.running")
    if running is None or replace(running, target=0.0) != replace(cmp, target=0.0):
        r.reset_runs(cmp.configs(), cmp.labels())
    ss["cmp.running"] = cmp
    if ss.pop("cmp.autoplay", False):
        r.play()
    query = cmp.to_query()
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def load_preset(name: str) -> None:
    """Button callback: the preset's experiment, from fresh weights, playing."""
    write(Comparison.preset(name))
    st.session_state["cmp.autoplay"] = True


def load_playground() -> None:
    """Button callback: the playground's current settings as the shared experiment."""
    ss = st.session_state
    base = ss.get("good_config")
    if not isinstance(base, Config):
        _message("info", "Open the Playground page first: its settings are used from there.")
        return
    if base.dataset == CUSTOM:
        _message("warning", "The playground trains on points of your own, which this page "
                            "cannot use yet; pick a dataset here instead.")
        return
    good = ss["cmp.good"]
    write(Comparison(base, good.variable, good.values, good.target))


def _on_vary_change() -> None:
    ss = st.session_state
    ss["cmp.values"] = list(VARIABLES[ss["cmp.vary"]].defaults)


# --- controls ---------------------------------------------------------------------------
def show_messages() -> None:
    ss = st.session_state
    for w in ss.pop("cmp.url_warnings", []):
        st.warning(f"The link had a setting this page could not use: {w}.")
    for kind, text in ss.pop("cmp.messages", []):
        getattr(st, kind)(text)


def presets() -> None:
    """One button per classroom preset."""
    st.markdown("**Classroom demos**: one click sets up the comparison and starts it.")
    names = list(PRESETS)
    cols = st.columns(3)
    for i, name in enumerate(names):
        cols[i % 3].button(PRESETS[name].label, key=f"cmp.preset.{name}", width="stretch",
                           on_click=load_preset, args=(name,), help=PRESETS[name].note)


def experiment_controls() -> None:
    """The shared experiment, in the sidebar. The setting being varied is greyed out."""
    sb, ss = st.sidebar, st.session_state
    varied = ss["cmp.vary"]
    sb.subheader("Shared experiment")
    sb.button("Use the playground's settings", key="cmp.from_playground",
              on_click=load_playground, width="stretch",
              help="Start from what the Playground page is set to now.")
    names = list(DATASETS)
    sb.selectbox("Dataset", names, key="cmp.dataset", format_func=lambda n: DATASETS[n].label,
                 help=HELP["dataset"])
    sb.slider("Noise", 0.0, 0.5, step=0.05, key="cmp.noise", help=HELP["noise"])
    sb.select_slider("Samples", sorted(set(SAMPLES) | {int(ss["cmp.n_samples"])}),
                     key="cmp.n_samples", help=HELP["n_samples"])
    sb.multiselect("Inputs", list(FEATURES), key="cmp.features",
                   format_func=lambda f: FEATURES[f].label, help=HELP["features"])
    sb.text_input("Hidden layers (neurons per layer)", key="cmp.hidden",
                  disabled=varied == "hidden",
                  help="Comma-separated, e.g. 8, 8 for two layers of eight; empty for none.")
    sb.selectbox("Activation", list(ACTIVATIONS), key="cmp.activation",
                 disabled=varied == "activation",
                 format_func=lambda a: ACTIVATIONS[a].label, help=HELP["activation"])
    sb.selectbox("Optimizer", list(OPTIMIZERS), key="cmp.optimizer",
                 disabled=varied == "optimizer",
                 format_func=lambda o: OPTIMIZERS[o].label, help=HELP["optimizer"])
    sb.select_slider("Learning rate", sorted(set(LEARNING_RATES) | {float(ss["cmp.lr"])}),
                     key="cmp.lr", disabled=varied == "lr", format_func=lambda v: f"{v:g}",
                     help=HELP["lr"])
    sb.select_slider("Batch size", sorted(set(BATCHES) | {int(ss["cmp.batch_size"])}),
                     key="cmp.batch_size", disabled=varied == "batch_size",
                     help=HELP["batch_size"])
    sb.number_input("Epochs (0: no limit)", 0, 1_000_000, step=100, key="cmp.max_epochs",
                    help=HELP["max_epochs"])
    sb.number_input("Seed", 0, 2**32 - 1, key="cmp.seed", help=HELP["seed"])


def variation_controls() -> None:
    """What varies: the setting, its 2 to 6 values, and the target loss for the table."""
    ss = st.session_state
    var = VARIABLES[ss["cmp.vary"]]
    options = list(var.options) + [v for v in ss["cmp.values"] if v not in var.options]
    c = st.columns([1.2, 3, 1.2])
    c[0].selectbox("Vary", list(VARIABLES), key="cmp.vary", on_change=_on_vary_change,
                   format_func=lambda n: VARIABLES[n].label,
                   help="The one setting that differs between the runs; everything else, "
                        "starting weights and data order included, is shared.")
    c[1].multiselect("Values (2 to 6)", options, key="cmp.values", format_func=var.show,
                     max_selections=6, help="One run per value.")
    c[2].number_input("Target loss", 0.0, 1e6, step=0.01, format="%g", key="cmp.target",
                      help="The table counts the epochs each run needs to bring its test loss "
                           "down to this.")


def transport(r: GroupRunner) -> None:
    cols = st.columns([1.2, 1, 1, 2.4], vertical_alignment="bottom")
    if r.playing:
        cols[0].button("Pause", on_click=r.pause, key="cmp.pause", type="primary",
                       icon=":material/pause:", width="stretch", help=HELP["play"])
    else:
        cols[0].button("Play", on_click=r.play, key="cmp.play", type="primary",
                       icon=":material/play_arrow:", width="stretch", help=HELP["play"])
    cols[1].button("Step epoch", on_click=r.step_epoch, key="cmp.step", width="stretch",
                   help="Every run trains one more epoch.")
    cols[2].button("Reset", on_click=r.reset, key="cmp.reset", width="stretch",
                   icon=":material/restart_alt:",
                   help="Back to the shared starting weights, epoch 0.")
    speed = cols[3].select_slider("Speed (epochs per second, each run)", list(SPEEDS),
                                  key="cmp.speed", help=HELP["speed"])
    r.speed = SPEEDS[speed]


# --- live panels ------------------------------------------------------------------------
def live(r: GroupRunner, target: float) -> None:
    """The maps and the loss chart, redrawn while the runs train, and the results table less
    often (the thread trains; these only read). As on the playground, an outer fragment
    re-declares them every RETUNE seconds with the interval the load calls for, so a new
    interval costs no whole-page rerun."""

    @st.fragment(run_every=RETUNE if r.playing else None)
    def live_panel() -> None:
        ss = st.session_state
        interval = LOAD.frame_interval(ss.get("cmp.interval")) if r.playing else None
        ss["cmp.interval"] = interval
        st.fragment(run_every=interval)(_charts)(r, target)
        st.fragment(run_every=interval * TABLE_EVERY if interval else None)(_table)(r, target)

    live_panel()


def _charts(r: GroupRunner, target: float) -> None:
    t0 = time.thread_time()
    ss = st.session_state
    with r.lock:
        snap = compare_view.snapshot(r.trainers, r.labels)
        playing, eps, error, run_id = r.playing, r.epochs_per_s, r.error, r.run_id
    frame = sum(run.epoch for run in snap.runs)
    if error:
        st.error(error)
    st.markdown(f"#### {compare_view.status_line(snap, eps if playing else 0.0)}")
    live_chart(compare_charts.maps_grid(snap, revision=f"maps-{run_id}"), "cmp_maps",
               frame=frame)
    # A fragment run does not pass through init(): keep the copy of this widget up to date.
    ss["cmp.widgets"]["cmp.log"] = st.toggle("Log-scale loss", key="cmp.log",
                                             help=HELP["log_scale"])
    live_chart(compare_charts.losses_chart(snap, ss.get("cmp.log", False),
                                         revision=f"losses-{run_id}"), "cmp_loss",
               frame=frame)
    LOAD.record_frame(time.thread_time() - t0)
    if playing != r.playing:
        st.rerun()  # training ended by itself: the Play/Pause button follows


def _table(r: GroupRunner, target: float) -> None:
    with r.lock:
        rows = [results_row(label, t, target)
                for label, t in zip(r.labels, r.trainers, strict=True)]
    st.markdown("**Results**")
    st.table(pd.DataFrame(format_rows(rows)).set_index("run"))
    for row in rows:
        if row["status"].startswith("diverged"):
            st.caption(f"{row['run']}: {row['status']}")


def format_rows(rows: list[dict]) -> list[dict]:
    """The results as text for the page (the CSV keeps the raw numbers)."""
    def num(v, fmt):
        return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else fmt(v)

    out = []
    for row in rows:
        metric = "accuracy" if "accuracy" in row else "R²"
        out.append({
            "run": row["run"], "epoch": f"{row['epoch']:,}",
            "test loss": num(row["test loss"], lambda v: f"{v:.4f}"),
            "best test loss": num(row["best test loss"], lambda v: f"{v:.4f}"),
            metric: num(row[metric], (lambda v: f"{v:.1%}") if metric == "accuracy"
                        else (lambda v: f"{v:.3f}")),
            "epochs to target": num(row["epochs to target"], lambda v: f"{v:,}"),
            "ms per epoch": num(row["ms per epoch"], lambda v: f"{v:.2f}"),
            "dead units": num(row["dead units"], lambda v: f"{v:.0%}"),
            "first-layer gradient": num(row["first-layer gradient"], lambda v: f"{v:.2e}"),
            "status": row["status"].split(":")[0],
        })
    return out


def exports(r: GroupRunner, cmp: Comparison) -> None:
    """CSV of the table (built when clicked) and the comparison's link."""
    def csv_text() -> str:
        with r.lock:
            return results_csv([results_row(label, t, cmp.target)
                                for label, t in zip(r.labels, r.trainers, strict=True)])

    c = st.columns([1, 3])
    c[0].download_button("Results (CSV)", csv_text, "comparison.csv", "text/csv",
                         key="cmp.csv", icon=":material/download:")
    base = (st.context.url or "").split("?")[0]
    with c[1].expander("Share this comparison"):
        st.caption("This link opens the same experiment: the same data, starting weights and "
                   "values. The address bar holds it too.")
        st.code(f"{base}?{urlencode(cmp.to_query())}", language=None, wrap_lines=True)
