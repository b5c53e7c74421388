"""The Playground's sidebar controls, made from the engine's registries and Config's fields.
Each function draws its widgets and returns the settings they hold (only those it drew: a
control the teacher hid keeps the setting in force)."""

import numpy as np
import streamlit as st

from engine import (
    ACTIVATIONS,
    CUSTOM,
    DATASETS,
    FEATURES,
    LOSSES,
    Config,
    Dataset,
    make_dataset,
    transform,
)
from engine.outputs import task_outputs
from engine.trainer import HOLDS
from ui.charts import maps
from ui.charts.base import png_uri
from ui.live.components import image_picker
from ui.live.session import visible
from ui.live.widgets import HELP, field_widget, help_text, hyper_widgets

from .state import MAX_LAYERS, MAX_WIDTH, PAGE, SEED_TEXT, key

F = Config.FIELDS
TASKS = {"binary": "Two classes", "multiclass": "Several classes", "regression": "Regression"}


HOLD_LABELS = {"median": "At their medians", "nearby": "Like nearby points",
               "values": "By hand"}


@st.cache_data(max_entries=64, show_spinner=False)
def dataset_thumbnail(name: str, noise: float, n_classes: int) -> str:
    """A picture of dataset `name` (a PNG data URI): a real table's usual pair of columns."""
    ds = make_dataset(name, n_samples=300, noise=noise, seed=0, n_classes=n_classes)
    y = ds.y
    span = (float(y.min()), float(y.max())) if DATASETS[name].real and ds.task == "regression" \
        else (-1.0, 1.0)
    return png_uri(maps.scatter_thumbnail(ds.X[:, list(ds.default_pair)], y, ds.task,
                                          ds.bounds, size=64, radius=2, value_range=span))


@st.cache_data(max_entries=16, show_spinner=False)
def _real_split(name: str, train_ratio: float, seed: int) -> Dataset:
    return make_dataset(name, train_ratio=train_ratio, seed=seed)


def current_data(dataset: str, custom: Dataset | None) -> Dataset | None:
    """The table the settings train on when it has named columns (a real set, data of your
    own), else None (a generated 2-D set)."""
    ss = st.session_state
    if dataset == CUSTOM:
        return custom
    if DATASETS[dataset].real:
        return _real_split(dataset, float(ss[key("train_ratio")]), int(ss[key("seed")]))
    return None


@st.cache_data(max_entries=16, show_spinner=False)
def feature_thumbnail(name: str) -> np.ndarray:
    xs = np.linspace(-6, 6, 32)
    g1, g2 = np.meshgrid(xs, xs)
    vals = transform(np.column_stack([g1.ravel(), g2.ravel()]), [name]).reshape(32, 32)
    return maps.feature_thumbnail(vals)


def _on_task_change() -> None:
    ss = st.session_state
    task = ss["ui.task"]
    ss[key("dataset")] = next(n for n, s in DATASETS.items() if s.task == task)
    ss[key("output")] = ss[key("loss")] = "auto"


def _regenerate() -> None:
    ss = st.session_state
    seed = (int(ss[key("seed")]) + 1) % (int(F["seed"].high) + 1)
    ss[key("seed")], ss[SEED_TEXT] = seed, str(seed)


def _on_seed_text() -> None:
    """A typed seed: used when it is a valid one, else a message and the seed in force."""
    ss = st.session_state
    text = str(ss[SEED_TEXT]).strip().replace(",", "").replace("_", "")
    try:
        seed = F["seed"].check(int(text)) if text.lstrip("+-").isdigit() else None
    except ValueError:
        seed = None
    if seed is None:
        PAGE.message("warning", f"The seed must be a whole number from 0 to "
                                f"{int(F['seed'].high):,}, not {str(ss[SEED_TEXT])[:30]!r}; "
                                f"the seed stays {ss[key('seed')]}.")
        ss[SEED_TEXT] = str(ss[key("seed")])
        return
    ss[key("seed")], ss[SEED_TEXT] = seed, str(seed)

def _shown(names, container=None, **kw) -> dict:
    """The field widgets of `names` that are visible, and their values."""
    return {n: field_widget(F[n], key(n), container, **kw) for n in names if visible(n)}


def data_controls(custom: Dataset | None) -> dict:
    """Problem type, dataset (with previews), samples, noise, split, classes, scaling, the map's
    columns, batch, seed."""
    sb, ss = st.sidebar, st.session_state
    custom_task = custom.task if custom is not None else None
    sb.subheader("Data")
    if visible("task"):
        sb.radio("Problem", list(TASKS), format_func=TASKS.get, key="ui.task", horizontal=True,
                 help=HELP["task"], on_change=_on_task_change)
    task = ss["ui.task"]
    names = [n for n, s in DATASETS.items() if s.task == task]
    if custom_task == task or (custom_task and task == "multiclass" and custom_task == "binary"):
        names.append(CUSTOM)
    if ss[key("dataset")] not in names:
        ss[key("dataset")] = names[0]
    values = {"dataset": ss[key("dataset")]}
    if visible("dataset"):
        thumbs = [{"name": n, "label": DATASETS[n].label, "help": DATASETS[n].description,
                   "src": dataset_thumbnail(n, float(ss[key("noise")]),
                                            int(ss[key("n_classes")]))}
                  for n in names if n != CUSTOM]
        with sb:
            picked = image_picker(thumbs, ss[key("dataset")], "pg.datasets",
                                  columns=min(3, len(thumbs)))
        if picked in names and picked != ss[key("dataset")]:
            ss[key("dataset")] = picked  # a click on a picture: the radio and picture follow
            st.rerun()
        values["dataset"] = field_widget(F["dataset"], key("dataset"), sb, options=names,
                                         horizontal=True)
    dataset = values["dataset"]
    generated = dataset != CUSTOM and not DATASETS[dataset].real
    if generated:
        values |= _shown(("n_samples", "noise"), sb)
    if dataset != CUSTOM:
        values |= _shown(("train_ratio",), sb)
        if task == "multiclass" and generated:
            values |= _shown(("n_classes",), sb)
    values |= column_controls(current_data(dataset, custom))
    values |= _shown(("batch_size",), sb)
    if visible("seed"):
        c1, c2 = sb.columns([1, 1], vertical_alignment="bottom")
        ss.setdefault(SEED_TEXT, str(ss[key("seed")]))
        c1.text_input(F["seed"].label, key=SEED_TEXT, on_change=_on_seed_text,
                      help=help_text("seed", F["seed"]) + " " + HELP["seed_text"])
        c2.button("Regenerate", on_click=_regenerate, help=HELP["regenerate"], width="stretch",
                  key="pg.regenerate")
        values["seed"] = ss[key("seed")]
    return values


def column_controls(data: Dataset | None) -> dict:
    """Scaling; for a table, the two columns the map shows and how it holds the others (a
    view option, kept in "pg.hold" and "pg.held")."""
    sb, ss = st.sidebar, st.session_state
    values = _shown(("scale",), sb)
    ss["pg.pair"] = None
    if data is None or data.n_columns == 2:  # the map shows both columns as they come
        ss["pg.held"] = {}
        if data is not None and data.columns != ("x1", "x2"):
            ss["pg.pair"] = (data.columns, 0)
        return values | {"x_col": "", "y_col": ""}
    columns = list(data.columns)
    usual = [columns[c] for c in data.default_pair]
    for name, default in zip(("x_col", "y_col"), usual, strict=True):
        if ss.get(key(name)) not in columns:
            ss[key(name)] = default
    if visible("columns"):
        for name in ("x_col", "y_col"):
            field_widget(F[name], key(name), sb, options=columns)
    chosen = [ss[key("x_col")], ss[key("y_col")]]
    ss["pg.pair"] = (tuple(chosen), len(columns) - 2)  # for the inputs' caption
    # The usual pair is '' in the settings (and the link), whatever the data.
    values |= {n: "" if c == u else c
               for n, c, u in zip(("x_col", "y_col"), chosen, usual, strict=True)}
    if not visible("columns"):
        return values
    others = [c for c in columns if c not in chosen]
    if not others:
        ss["pg.held"] = {}
        return values
    sb.caption(f"The map shows 2 of the {len(columns)} columns; the network sees all of them. "
               f"On the map the other {len(others)} need values:")
    hold = sb.radio("Other inputs on the map", list(HOLDS), format_func=HOLD_LABELS.get,
                    key="pg.hold", horizontal=True, help=HELP["hold"])
    held = {}
    if hold == "values":
        X, X_train = data.X, data.X_train
        with sb.expander(f"Values of the other {len(others)} columns", expanded=True):
            for name in others:
                k = columns.index(name)
                lo, hi = float(X[:, k].min()), float(X[:, k].max())
                state = f"pg.held.{k}.{name}"
                if state not in ss or not lo <= ss[state] <= hi:
                    ss[state] = float(np.median(X_train[:, k]))
                held[name] = st.slider(name, lo, hi, step=_step(lo, hi), key=state,
                                       format="%.4g", help=HELP["held"])
    ss["pg.held"] = held
    return values


def _step(lo: float, hi: float) -> float:
    """A round slider step of about 1/100 of the range."""
    span = hi - lo
    return float(10 ** np.floor(np.log10(span / 100))) if span > 0 else 1.0


def feature_controls() -> dict:
    """One toggle per input feature, each with a small map of the feature."""
    if not visible("features"):
        return {}
    sb, ss = st.sidebar, st.session_state
    sb.subheader("Inputs", help=help_text("features", F["features"]))
    pair = ss.get("pg.pair")
    if pair:
        (x1, x2), others = pair
        more = f"; the other {others} columns are inputs as they are" if others else ""
        sb.caption(f"x₁ is {x1} and x₂ is {x2}, scaled as chosen above{more}.")
    names = list(FEATURES)
    for row in range(0, len(names), 4):
        cols = sb.columns(4)
        for col, name in zip(cols, names[row:row + 4], strict=False):
            col.image(feature_thumbnail(name), width="stretch", caption=FEATURES[name].label)
            col.checkbox(FEATURES[name].label, key=f"feat.{name}",
                         label_visibility="collapsed", help=FEATURES[name].description)
    return {"features": tuple(f for f in FEATURES if ss.get(f"feat.{f}"))}


def network_controls(task: str) -> dict:
    """Layers, neurons per layer, activation(s), output and loss, initializer."""
    sb, ss = st.sidebar, st.session_state
    sb.subheader("Network")
    values = {}
    if visible("layers"):
        sb.number_input("Hidden layers", 0, MAX_LAYERS, step=1, key="net.layers",
                        help=help_text("hidden", F["hidden"]))
    n = int(ss["net.layers"])
    if visible("layers") or visible("width"):
        if visible("width") and n:
            cols = sb.columns(4)
            for i in range(n):
                cols[i % 4].number_input(f"L{i + 1}", 1, MAX_WIDTH, step=1,
                                         key=f"net.width.{i}",
                                         help=f"Neurons in hidden layer {i + 1}.")
        values["hidden"] = tuple(int(ss[f"net.width.{i}"]) for i in range(n))
    if visible("activation") and n:  # no hidden layer, no hidden activation
        acts = list(ACTIVATIONS)
        per_layer = n > 1 and sb.toggle("Activation per layer", key="net.per_layer",
                                        help=HELP["per_layer"])
        if per_layer:
            cols = sb.columns(2)
            for i in range(n):
                cols[i % 2].selectbox(f"Layer {i + 1}", acts, key=f"net.act.{i}",
                                      format_func=lambda a: ACTIVATIONS[a].label,
                                      help=f"The activation of hidden layer {i + 1}.")
            values["activation"] = tuple(ss[f"net.act.{i}"] for i in range(n))
        else:
            values["activation"] = field_widget(F["activation"], "net.act", sb)
    if visible("output"):
        outs = ["auto", *task_outputs(task)]
        if ss[key("output")] not in outs:
            ss[key("output")] = "auto"
        out = ss[key("output")]
        losses = ["auto"] + [n for n, lo in LOSSES.items()
                             if out == "auto" or out in lo.outputs]
        if ss[key("loss")] not in losses:
            ss[key("loss")] = "auto"
        c1, c2 = sb.columns(2)
        values["output"] = field_widget(F["output"], key("output"), c1, options=outs)
        values["loss"] = field_widget(F["loss"], key("loss"), c2, options=losses)
        if out != "auto" and values["loss"] != "auto" and \
                out not in LOSSES[values["loss"]].outputs:
            ss[key("loss")] = values["loss"] = "auto"
    values |= _shown(("init",), sb)
    return values


def training_controls(n_hidden: int) -> dict:
    """Learning rate, optimizer and its hyperparameters, regularization, dropout (with hidden
    layers), schedule, stops: in the current container (the caller puts them in a sidebar
    fragment of their own). Every one of them applies live."""
    ss = st.session_state
    st.subheader("Training")
    values = _shown(("lr", "optimizer"))
    if visible("optimizer"):
        values |= hyper_widgets(F, values["optimizer"], key)
    if visible("regularization"):
        c1, c2 = st.columns(2)
        values |= _shown(("l1",), c1) | _shown(("l2",), c2)
    if n_hidden:
        values |= _shown(("dropout",))
    if visible("schedule"):
        values |= _shown(("schedule",))
        if ss[key("schedule")] != "constant":
            c1, c2 = st.columns(2)
            values |= _shown(("lr_decay",), c1) | _shown(("lr_period",), c2)
    if visible("stops"):
        values |= _shown(("early_stopping",))
        if values["early_stopping"]:
            values |= _shown(("patience",))
        c1, c2 = st.columns(2)
        values |= _shown(("max_epochs",), c1) | _shown(("target_loss",), c2)
    return values
