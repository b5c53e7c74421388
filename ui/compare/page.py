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

from engine import CUSTOM, Config
from ui.charts import compare as charts
from ui.charts.numbers import DASH, count, number, percent
from ui.live import panel
from ui.live.runner import GroupRunner
from ui.live.session import LivePage, keep_widgets, shared_config
from ui.live.widgets import HELP, field_widget, parse_widths, widths_text, widths_widget

from . import view
from .kinds import KINDS, PRESETS, Kind
from .model import Comparison, kind_of, results_csv, results_row

# Every kind's widget keys ("<prefix>.<name>": two kinds may have settings of the same name).
WIDGETS = [f"{k.prefix}.{n}" for k in KINDS.values() for n in (*k.shared, *k.widths)] + [
    "cmp.kind", "cmp.vary", "cmp.values", "cmp.target", "cmp.speed", "cmp.log"]


def wkey(kind: str, name: str) -> str:
    return f"{KINDS[kind].prefix}.{name}"


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
    ss, b, kind = st.session_state, cmp.base, KINDS[cmp.kind]
    ss["cmp.base"], ss["cmp.kind"] = b, kind.name
    for name in kind.shared:
        ss[wkey(kind.name, name)] = kind.widget_value(b, name)
    for name in kind.widths:
        ss[wkey(kind.name, name)] = widths_text(getattr(b, name))
    ss["cmp.vary"], ss["cmp.values"] = cmp.variable, list(cmp.values)
    ss["cmp.target"] = cmp.target


def _start() -> Comparison:
    """The first comparison of a session: the URL's, else one built on the playground's
    settings, else the default."""
    query = PAGE.link_query()
    if "vary" in query or "kind" in query:  # a link to a comparison, or to a kind of one
        cmp, warnings = Comparison.from_query(query)
        PAGE.link_warnings(warnings)
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
        kind = KINDS[kind_of(base)]
        shared = values | {name: parse_widths(values[name]) for name in kind.widths}
        if kind.adjust is not None:
            shared = kind.adjust(base, shared)
        values = typed_values(kind.variables[ss["cmp.vary"]], ss["cmp.values"])
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
    kind = KINDS[cmp.kind]
    if "cmp.start_grads" not in ss and kind.start_gradients:  # gradients at the start
        ss["cmp.start_grads"] = [kind.build(c).gradient_norms() for c in cmp.configs()]
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
    return KINDS[cmp.kind].caption(cmp)


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
    """Another kind of experiment: where that kind starts (its first demo, or its defaults)."""
    write(Comparison.start(st.session_state["cmp.kind"]))


# --- controls ---------------------------------------------------------------------------
def presets() -> None:
    """One button per classroom preset, kind by kind."""
    st.markdown("**Classroom demos**: one click sets up the comparison and starts it.")
    for kind in KINDS.values():
        if not kind.presets:
            continue
        if len(KINDS) > 1:
            st.caption(kind.label)
        cols = st.columns(3)
        for i, (name, p) in enumerate(kind.presets.items()):
            cols[i % 3].button(p.label, key=f"cmp.preset.{name}", width="stretch",
                               on_click=load_preset, args=(name,), help=p.note)


def experiment_controls() -> dict:
    """The shared experiment, in the sidebar; returns its settings. The setting being varied
    is greyed out."""
    sb, ss = st.sidebar, st.session_state
    varied = ss["cmp.vary"]
    sb.radio("Compare on", list(KINDS), key="cmp.kind", format_func=lambda k: KINDS[k].label,
             horizontal=True, on_change=_on_kind_change,
             help=" ".join(f"{k.label}: {k.help}" for k in KINDS.values()))
    kind = KINDS[ss["cmp.kind"]]
    fields = kind.settings.FIELDS
    sb.subheader("Shared experiment")
    if kind.from_playground:
        sb.button("Use the playground's settings", key="cmp.from_playground",
                  on_click=load_playground, width="stretch",
                  help="Start from what the Playground page is set to now.")
    values = {}
    for name in (*kind.widths, *kind.shared):
        if kind.hidden is not None and name in kind.hidden(values):
            continue
        key, off = wkey(kind.name, name), varied == name
        if name in kind.widths:
            values[name] = widths_widget(fields[name], key, sb, disabled=off)
        else:
            values[name] = field_widget(fields[name], key, sb, disabled=off,
                                        options=kind.options.get(name))
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

    kind: Kind = KINDS["points"]
    log: bool = False
    slow: bool = False

    def snapshot(self, r: GroupRunner, what: str):
        return view.snapshot(r.trainers, r.labels)

    def figures(self, snap, run_id: int, what: str) -> dict[str, dict]:
        loss = charts.losses_chart(snap, self.log, revision=f"losses-{run_id}")
        return self.kind.figures(snap, run_id) | {"cmp_loss": loss}

    def status(self, snap, epochs_per_s: float) -> str:
        return view.status_line(snap, epochs_per_s)


def live(r: GroupRunner) -> None:
    """The maps, the loss chart (with its log-scale toggle) and the results table."""
    kind = KINDS[st.session_state["cmp.running"].kind]
    cv = CompareView(kind, log=st.session_state.get("cmp.log", False))

    def log_toggle() -> None:
        cv.log = st.toggle("Log-scale loss", key="cmp.log", help=HELP["log_scale"])
        # A fragment run does not pass through init(): keep the copy of this widget current.
        st.session_state["cmp.widgets"]["cmp.log"] = cv.log

    layout = panel.Layout(main=((panel.Chart(kind.top),), (panel.Chart("cmp_loss"),)),
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


COUNTS = ("epoch", "epochs to target", "parameters")
PERCENTS = {"dead neurons": 0}  # other columns named "... accuracy" or "... coverage": 1 place
THREE_PLACES = ("R²", "first-layer gradient")


def cell(name: str, value) -> str:
    """One cell of the results table as text, in the app's number style, by its column."""
    if name == "run":
        return value
    if name == "status":
        return value.split(":")[0]
    if name == "ms per epoch":
        return DASH if value is None or not math.isfinite(value) else f"{value:.2f}"
    if name in COUNTS:
        return count(value)
    if name in PERCENTS or name.endswith(("accuracy", "coverage")):
        return percent(value, PERCENTS.get(name, 1))
    return number(value, 3) if name in THREE_PLACES else number(value)


def format_rows(rows: list[dict]) -> list[dict]:
    """The results as text for the page, in the app's one number style (the CSV keeps the raw
    numbers)."""
    return [{k: cell(k, v) for k, v in row.items()} for row in rows]


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
