"""The Compare page's state, controls and panels, on the live framework.

Widgets live under "cmp.*" keys, apart from the playground's, so the two pages never change each
other's settings. `init()` seeds them once per session from the URL or, without one, from the
playground's current settings. `comparison(values)` turns the controls' values into a
`Comparison` (keeping the last good one when they do not fit), `sync()` rebuilds the session's
GroupRunner when the experiment changed and mirrors it in the URL. Settings the page has no
widget for (output, loss, initializer, L1/L2, ...) are kept from the base config they came with.
"""

import math
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from engine import CUSTOM, DATASETS, Config, Trainer
from ui.charts import compare as charts
from ui.charts.numbers import DASH, count, number, percent
from ui.live import panel
from ui.live.runner import GroupRunner
from ui.live.session import FLAGS, LivePage, keep_widgets, shared_config
from ui.live.widgets import HELP, field_widget, parse_widths, widths_text, widths_widget

from . import view
from .model import (
    KINDS,
    PRESETS,
    Comparison,
    kind_of,
    one_activation,
    one_dropout,
    results_csv,
    results_row,
)

# Per kind of experiment: the shared settings with a field widget, the layer widths typed as
# text, and the prefix of their widget keys (the two kinds have settings of the same names).
SHARED = {"points": ("dataset", "noise", "n_samples", "features", "activation", "optimizer",
                     "lr", "batch_size", "max_epochs", "seed"),
          "digits": ("model", "augment", "optimizer", "lr", "batch_size", "max_epochs",
                     "seed")}
WIDTHS = {"points": ("hidden",), "digits": ("filters", "hidden")}
PREFIX = {"points": "cmp", "digits": "cmp.d"}
WIDGETS = [f"{PREFIX[k]}.{n}" for k in KINDS for n in (*SHARED[k], *WIDTHS[k])] + [
    "cmp.kind", "cmp.vary", "cmp.values", "cmp.target", "cmp.speed", "cmp.log"]


def wkey(kind: str, name: str) -> str:
    return f"{PREFIX[kind]}.{name}"


def _make_runner() -> GroupRunner:
    cmp = st.session_state["cmp.good"]
    st.session_state["cmp.running"] = cmp
    return GroupRunner(cmp.configs(), cmp.labels(), build=KINDS[cmp.kind].build)


PAGE = LivePage("cmp", _make_runner)
TRANSPORT = panel.Transport("cmp", steps=("epoch",), speed_label="Speed (epochs per second, "
                            "each run)", help={"step_epoch": "Every run trains one more epoch.",
                                               "reset": "Back to the shared starting weights, "
                                                        "epoch 0."})


# --- state ------------------------------------------------------------------------------
def write(cmp: Comparison) -> None:
    """Set every widget from `cmp` (only before the widgets are drawn, or in a callback)."""
    ss, b, kind = st.session_state, cmp.base, cmp.kind
    ss["cmp.base"], ss["cmp.kind"] = b, kind
    for name in SHARED[kind]:
        ss[wkey(kind, name)] = getattr(b, name)
    for name in WIDTHS[kind]:
        ss[wkey(kind, name)] = widths_text(getattr(b, name))
    if kind == "points":
        ss["cmp.features"] = list(b.features)
        ss["cmp.activation"] = one_activation(b)
    ss["cmp.vary"], ss["cmp.values"] = cmp.variable, list(cmp.values)
    ss["cmp.target"] = cmp.target


def _start() -> Comparison:
    """The first comparison of a session: the URL's, else one built on the playground's
    settings, else the default."""
    query = {k: v for k, v in st.query_params.to_dict().items() if k not in FLAGS}
    if "vary" in query:
        cmp, warnings = Comparison.from_query(query)
        for w in warnings:
            PAGE.message("warning", f"The link had a setting this page could not use: {w}.")
        return cmp
    base = shared_config()
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
    if PAGE.first_run():
        ss["cmp.good"] = _start()
        write(ss["cmp.good"])
        ss["cmp.speed"], ss["cmp.log"] = "100", False
    keep_widgets(WIDGETS, "cmp.widgets")


def comparison(values: dict) -> Comparison:
    """The comparison the controls describe, or the last good one with a message saying why
    the new one was not used."""
    ss = st.session_state
    try:
        base = ss["cmp.base"]
        kind = kind_of(base)
        shared = values | {name: parse_widths(values[name]) for name in WIDTHS[kind]}
        if kind == "points":
            shared["dropout"] = one_dropout(base)
            if shared.get("dataset", base.dataset) != base.dataset:
                shared |= {"x_col": "", "y_col": ""}  # the new data's usual pair
        values = typed_values(KINDS[kind].variables[ss["cmp.vary"]], ss["cmp.values"])
        cmp = Comparison(base.replace(**shared), ss["cmp.vary"], values,
                         float(ss["cmp.target"]))
        cmp.configs()
    except ValueError as e:
        PAGE.message("warning", f"Not applied: {e}. The runs keep the last valid settings.")
        return ss["cmp.good"]
    ss["cmp.good"] = cmp
    return cmp


def sync(r: GroupRunner, cmp: Comparison) -> None:
    """Rebuild the runs when the experiment changed (not for the target loss alone), start
    them when a preset asked to, and mirror the comparison in the URL."""
    ss = st.session_state
    running = ss.get("cmp.running")
    if running is None or replace(running, target=0.0) != replace(cmp, target=0.0):
        r.build = KINDS[cmp.kind].build
        r.reset_runs(cmp.configs(), cmp.labels())
        ss.pop("cmp.start_grads", None)
    if "cmp.start_grads" not in ss and cmp.kind == "points":  # gradients at the start
        ss["cmp.start_grads"] = [Trainer(c).gradient_norms() for c in cmp.configs()]
    ss["cmp.running"] = cmp
    if ss.pop("cmp.autoplay", False):
        r.play()
    PAGE.sync_url(cmp.to_query())


def load_preset(name: str) -> None:
    """Button callback: the preset's experiment, from fresh weights, playing."""
    write(Comparison.preset(name))
    st.session_state["cmp.autoplay"] = True
    st.session_state["cmp.preset"] = name


def caption(cmp: Comparison) -> str:
    """What the runs share, said exactly for the setting that varies."""
    if cmp.kind == "digits":
        return ("Runs train side by side on the same digits, split the same way and taken in "
                "the same order" + (", from the same starting weights" if cmp.variable not in
                                   ("model", "filters") else "; networks of different shapes "
                                   "start from weights drawn with the same seed") + ". Dashed: "
                "accuracy on the test digits shifted by 1 or 2 pixels.")
    if cmp.variable == "hidden":
        return ("Networks of different shapes train side by side on the same data, in the same "
                "order; their starting weights are drawn with the same seed, but cannot be the "
                "same weights, since the shapes differ.")
    if cmp.variable == "init":
        return ("Runs train side by side on the same data and network, in the same order; each "
                "draws its starting weights with its own initializer (same seed).")
    return ("Runs that differ in one setting train side by side on the same data, from the same "
            "starting weights and in the same order, so the only difference is the one you "
            "chose.")


def preset_note(cmp: Comparison) -> None:
    """The one-line explanation of the preset that set up this comparison, while it holds."""
    name = st.session_state.get("cmp.preset")
    with st.container():  # always there, so that what follows keeps its place
        if name in PRESETS and replace(Comparison.preset(name), target=cmp.target) == cmp:
            st.info(f"**{PRESETS[name].label}.** {PRESETS[name].note}")


def load_playground() -> None:
    """Button callback: the playground's current settings as the shared experiment."""
    ss = st.session_state
    base = shared_config()
    if not isinstance(base, Config):
        PAGE.message("info", "Open the Playground page first: its settings are used from there.")
        return
    if base.dataset == CUSTOM:
        PAGE.message("warning", "The playground trains on points of your own, which this page "
                                "cannot use yet; pick a dataset here instead.")
        return
    good = ss["cmp.good"]
    write(Comparison(base, good.variable, good.values, good.target))


def _on_vary_change() -> None:
    ss = st.session_state
    ss["cmp.values"] = list(KINDS[ss["cmp.kind"]].variables[ss["cmp.vary"]].defaults)


def _on_kind_change() -> None:
    """Another kind of experiment: its first preset (digits) or the default (points)."""
    kind = st.session_state["cmp.kind"]
    if kind == "points":
        write(Comparison())
    else:
        write(Comparison.preset(next(n for n, p in PRESETS.items() if p.kind == kind)))


# --- controls ---------------------------------------------------------------------------
def presets() -> None:
    """One button per classroom preset."""
    st.markdown("**Classroom demos**: one click sets up the comparison and starts it.")
    names = list(PRESETS)
    cols = st.columns(3)
    for i, name in enumerate(names):
        cols[i % 3].button(PRESETS[name].label, key=f"cmp.preset.{name}", width="stretch",
                           on_click=load_preset, args=(name,), help=PRESETS[name].note)


def experiment_controls() -> dict:
    """The shared experiment, in the sidebar; returns its settings. The setting being varied
    is greyed out."""
    sb, ss = st.sidebar, st.session_state
    varied = ss["cmp.vary"]
    sb.radio("Compare on", list(KINDS), key="cmp.kind", format_func=lambda k: KINDS[k].label,
             horizontal=True, on_change=_on_kind_change,
             help="Networks on 2-D points (the Playground's problems), or on handwritten "
                  "digits (the Digits page's).")
    kind = ss["cmp.kind"]
    fields = KINDS[kind].settings.FIELDS
    sb.subheader("Shared experiment")
    if kind == "points":
        sb.button("Use the playground's settings", key="cmp.from_playground",
                  on_click=load_playground, width="stretch",
                  help="Start from what the Playground page is set to now.")
    values = {}
    for name in (*WIDTHS[kind], *SHARED[kind]):
        real = kind == "points" and values.get("dataset") in DATASETS and \
            DATASETS[values["dataset"]].real
        if real and name in ("noise", "n_samples"):
            continue  # a real table's rows are what they are
        if name in WIDTHS[kind]:
            values[name] = widths_widget(fields[name], wkey(kind, name), sb,
                                         disabled=varied == name)
            continue
        values[name] = field_widget(fields[name], wkey(kind, name), sb, disabled=varied == name,
                                    options=list(DATASETS) if name == "dataset" else None)
    if kind == "points":
        values["features"] = tuple(values["features"])
    return values


def variation_controls() -> None:
    """What varies: the setting, its 2 to 6 values, and the target loss for the table."""
    ss = st.session_state
    variables = KINDS[ss["cmp.kind"]].variables
    var = variables[ss["cmp.vary"]]
    options = list(var.options) + [v for v in ss["cmp.values"] if v not in var.options]
    c = st.columns([1.2, 3, 1.2])
    c[0].selectbox("Vary", list(variables), key="cmp.vary", on_change=_on_vary_change,
                   format_func=lambda n: variables[n].label,
                   help="The one setting that differs between the runs; everything else, "
                        "starting weights and data order included, is shared.")
    c[1].multiselect("Values (2 to 6)", options, key="cmp.values", format_func=_show(var),
                     max_selections=6, accept_new_options=True,
                     help="One run per value, in order. Pick from the list or type a value "
                          "(e.g. 0.0003 for a learning rate, 8, 8 for a network).")
    c[2].number_input("Target test loss", 0.0, 1e6, step=0.01, format="%g", key="cmp.target",
                      help="The table counts the epochs each run needs to bring its test loss "
                           "down to this (the Playground's target loss, on the training loss, "
                           "stops training instead).")


def _show(var):
    return lambda v: var.show(v) if not isinstance(v, str) or var.parse is str else v


def typed_values(var, values) -> tuple:
    """The values picked, with typed ones read as the setting's values; ValueError names a typed
    value that is not one."""
    out = []
    for v in values:
        if isinstance(v, str) and var.parse is not str:
            try:
                v = var.parse(v.strip())
            except (ValueError, TypeError):
                raise ValueError(f"{v!r} is not a value of {var.label.lower()}") from None
        out.append(v)
    return tuple(out)


# --- live panels ------------------------------------------------------------------------
@dataclass
class CompareView:
    """The Compare page's view of its runs (ui.live.frames.LiveView): every run's map and
    the loss chart in each frame; the results table follows in a fragment of its own."""

    log: bool = False
    slow: bool = False

    def snapshot(self, r: GroupRunner, what: str):
        return view.snapshot(r.trainers, r.labels)

    def figures(self, snap, run_id: int, what: str) -> dict[str, dict]:
        loss = charts.losses_chart(snap, self.log, revision=f"losses-{run_id}")
        if snap.task == "digits":
            return {"cmp_acc": charts.accuracies_chart(snap, revision=f"acc-{run_id}"),
                    "cmp_loss": loss}
        return {"cmp_maps": charts.maps_grid(snap, revision=f"maps-{run_id}"), "cmp_loss": loss}

    def status(self, snap, epochs_per_s: float) -> str:
        return view.status_line(snap, epochs_per_s)


def live(r: GroupRunner) -> None:
    """The maps, the loss chart (with its log-scale toggle) and the results table."""
    cv = CompareView(log=st.session_state.get("cmp.log", False))

    def log_toggle() -> None:
        cv.log = st.toggle("Log-scale loss", key="cmp.log", help=HELP["log_scale"])
        # A fragment run does not pass through init(): keep the copy of this widget current.
        st.session_state["cmp.widgets"]["cmp.log"] = cv.log

    top = "cmp_acc" if st.session_state["cmp.kind"] == "digits" else "cmp_maps"
    layout = panel.Layout(main=((panel.Chart(top),), (panel.Chart("cmp_loss"),)),
                          header=log_toggle, extra=_table)
    panel.live_panel(PAGE, r, cv, layout)


def _table(r: GroupRunner) -> None:
    target = st.session_state["cmp.running"].target
    with r.lock:
        rows = [results_row(label, t, target)
                for label, t in zip(r.labels, r.trainers, strict=True)]
    st.markdown("**Results**")
    st.table(pd.DataFrame(format_rows(rows)).set_index("run"))
    for row in rows:
        if row["status"].startswith("diverged"):
            st.caption(f"{row['run']}: {row['status']}")


def start_gradients(r: GroupRunner) -> None:
    """Each run's gradient norm per layer at its starting weights, in an expander."""
    norms = st.session_state.get("cmp.start_grads")
    if not norms:
        return
    with st.expander("Gradient per layer at the start"):
        colors = [charts.RUN_COLORS[i % len(charts.RUN_COLORS)] for i in range(len(norms))]
        st.plotly_chart(charts.layer_gradients_chart(list(r.labels), colors, norms),
                        key="cmp.start_grads_chart", theme=None)
        st.caption("The size of the gradient that reaches each layer, at the shared starting "
                   "point: where it vanishes, the first layers barely learn.")


def format_rows(rows: list[dict]) -> list[dict]:
    """The results as text for the page, in the app's one number style (the CSV keeps the raw
    numbers)."""
    out = []
    for row in rows:
        metric = "accuracy" if "accuracy" in row else "R²"
        ms = row["ms per epoch"]
        text = {
            "run": row["run"], "epoch": count(row["epoch"]),
            "test loss": number(row["test loss"]),
            "best test loss": number(row["best test loss"]),
            metric: percent(row[metric]) if metric == "accuracy" else number(row[metric], 3),
        }
        if "shifted accuracy" in row:  # digits
            text["shifted accuracy"] = percent(row["shifted accuracy"])
        text |= {"epochs to target": count(row["epochs to target"]),
                 "ms per epoch": DASH if ms is None or not math.isfinite(ms) else f"{ms:.2f}"}
        if "parameters" in row:
            text["parameters"] = count(row["parameters"])
        else:
            text |= {"dead neurons": percent(row["dead neurons"], 0),
                     "first-layer gradient": number(row["first-layer gradient"], 3)}
        text["status"] = row["status"].split(":")[0]
        out.append(text)
    return out


def exports(r: GroupRunner, cmp: Comparison) -> None:
    """CSV of the table (built when clicked) and the comparison's link."""
    def csv_text() -> str:
        with r.lock:
            return results_csv([results_row(label, t, cmp.target)
                                for label, t in zip(r.labels, r.trainers, strict=True)])

    c = st.columns([1, 3])
    c[0].download_button("Results (CSV)", csv_text, "comparison.csv", "text/csv",
                         key="cmp.csv", icon=":material/download:",
                         help="The results table with its raw numbers, one line per run.")
    base = (st.context.url or "").split("?")[0]
    with c[1].expander("Share this comparison"):
        st.caption("This link opens the same experiment: the same data, starting weights and "
                   "values. The address bar holds it too.")
        st.code(f"{base}?{urlencode(cmp.to_query())}", language=None, wrap_lines=True)
