"""Sidebar controls, generated from the engine's registries. Each function draws widgets whose
values live in session state under the keys of `state`; none returns maths or figures."""

import tomllib
from pathlib import Path

import numpy as np
import streamlit as st

from engine import (
    ACTIVATIONS,
    CUSTOM,
    DATASETS,
    FEATURES,
    INITIALIZERS,
    LOSSES,
    OPTIMIZERS,
    OUTPUTS,
    SCHEDULES,
    make_dataset,
    transform,
)
from engine.config import BATCHES, LEARNING_RATES, REG_RATES, SAMPLES
from engine.outputs import task_outputs
from ui.charts import maps

from .state import MAX_LAYERS, MAX_WIDTH, key, visible

HELP = tomllib.loads((Path(__file__).resolve().parents[2] / "assets" / "help.toml")
                     .read_text(encoding="utf-8"))
TASKS = {"binary": "Two classes", "multiclass": "Several classes", "regression": "Regression"}


@st.cache_data(max_entries=64, show_spinner=False)
def dataset_thumbnail(name: str, noise: float, n_classes: int) -> np.ndarray:
    ds = make_dataset(name, n_samples=300, noise=noise, seed=0, n_classes=n_classes)
    return maps.scatter_thumbnail(ds.X, ds.y, ds.task, ds.bounds, size=64, radius=2)


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
    ss[key("seed")] = int(ss[key("seed")]) + 1


def data_controls(custom_task: str | None) -> None:
    """Problem type, dataset (with previews), samples, noise, split, classes, batch, seed."""
    sb, ss = st.sidebar, st.session_state
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
    if visible("dataset"):
        thumbs = [n for n in names if n != CUSTOM]
        cols = sb.columns(len(thumbs) if len(thumbs) <= 3 else 3)
        for i, n in enumerate(thumbs):
            cols[i % len(cols)].image(dataset_thumbnail(n, float(ss[key("noise")]),
                                                        int(ss[key("n_classes")])),
                                      caption=DATASETS[n].label, width="stretch")
        sb.radio("Dataset", names, key=key("dataset"), horizontal=True, help=HELP["dataset"],
                 format_func=lambda n: "Your points" if n == CUSTOM else DATASETS[n].label)
    generated = ss[key("dataset")] != CUSTOM
    if visible("n_samples") and generated:
        sb.select_slider("Samples", [*SAMPLES, *sorted({int(ss[key("n_samples")])} - set(SAMPLES))],
                         key=key("n_samples"), help=HELP["n_samples"])
    if visible("noise") and generated:
        sb.slider("Noise", 0.0, 0.5, step=0.05, key=key("noise"), help=HELP["noise"])
    if visible("train_ratio") and generated:
        sb.slider("Training share", 0.1, 0.9, step=0.1, key=key("train_ratio"),
                  help=HELP["train_ratio"], format="%.1f")
    if visible("n_classes") and task == "multiclass" and generated:
        sb.slider("Classes", 2, 8, key=key("n_classes"), help=HELP["n_classes"])
    if visible("batch_size"):
        sb.select_slider("Batch size", sorted(set(BATCHES) | {int(ss[key("batch_size")])}),
                         key=key("batch_size"), help=HELP["batch_size"])
    if visible("seed"):
        c1, c2 = sb.columns([1, 1], vertical_alignment="bottom")
        c1.number_input("Seed", 0, 2**32 - 1, step=1, key=key("seed"), help=HELP["seed"])
        c2.button("Regenerate", on_click=_regenerate, help=HELP["regenerate"],
                  width="stretch")


def feature_controls() -> None:
    """One toggle per input feature, each with a small map of the feature."""
    if not visible("features"):
        return
    sb = st.sidebar
    sb.subheader("Inputs", help=HELP["features"])
    names = list(FEATURES)
    for row in range(0, len(names), 4):
        cols = sb.columns(4)
        for col, name in zip(cols, names[row:row + 4], strict=False):
            col.image(feature_thumbnail(name), width="stretch", caption=FEATURES[name].label)
            col.checkbox(FEATURES[name].label, key=f"feat.{name}",
                         label_visibility="collapsed")


def network_controls(task: str) -> None:
    """Layers, neurons per layer, activation(s), output and loss, initializer."""
    sb, ss = st.sidebar, st.session_state
    sb.subheader("Network")
    if visible("layers"):
        sb.number_input("Hidden layers", 0, MAX_LAYERS, step=1, key="net.layers",
                        help=HELP["layers"])
    n = int(ss["net.layers"])
    if visible("width") and n:
        cols = sb.columns(4)
        for i in range(n):
            cols[i % 4].number_input(f"Layer {i + 1}", 1, MAX_WIDTH, step=1,
                                     key=f"net.width.{i}", help=HELP["width"])
    if visible("activation"):
        acts = list(ACTIVATIONS)
        per_layer = n > 1 and sb.toggle("Activation per layer", key="net.per_layer",
                                        help=HELP["per_layer"])
        if per_layer:
            cols = sb.columns(2)
            for i in range(n):
                cols[i % 2].selectbox(f"Layer {i + 1}", acts, key=f"net.act.{i}",
                                      format_func=lambda a: ACTIVATIONS[a].label)
        else:
            sb.selectbox("Activation", acts, key="net.act", help=HELP["activation"],
                         format_func=lambda a: ACTIVATIONS[a].label)
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
        c1.selectbox("Output", outs, key=key("output"), help=HELP["output"],
                     format_func=lambda o: "Auto" if o == "auto" else o.capitalize())
        c2.selectbox("Loss", losses, key=key("loss"), help=HELP["loss"],
                     format_func=lambda o: "Auto" if o == "auto" else LOSSES[o].label)
        if out != "auto" and ss[key("loss")] != "auto" and \
                out not in LOSSES[ss[key("loss")]].outputs:
            ss[key("loss")] = "auto"
    if visible("init"):
        sb.selectbox("Initial weights", list(INITIALIZERS), key=key("init"), help=HELP["init"],
                     format_func=lambda i: INITIALIZERS[i].label)


def training_controls() -> None:
    """Learning rate, optimizer and its hyperparameters, regularization, schedule, stops: in
    the current container (the caller puts them in the sidebar, in a fragment of their own)."""
    sb, ss = st, st.session_state
    sb.subheader("Training")
    if visible("lr"):
        lr = float(ss[key("lr")])
        sb.select_slider("Learning rate", sorted(set(LEARNING_RATES) | {lr}), key=key("lr"),
                         help=HELP["lr"], format_func=lambda v: f"{v:g}")
    if visible("optimizer"):
        sb.selectbox("Optimizer", list(OPTIMIZERS), key=key("optimizer"),
                     help=HELP["optimizer"], format_func=lambda o: OPTIMIZERS[o].label)
        spec = OPTIMIZERS[ss[key("optimizer")]]
        hypers = [(n, h) for n, h in spec.hyper.items() if n != "eps"]
        if hypers:
            cols = sb.columns(len(hypers))
            for col, (name, h) in zip(cols, hypers, strict=True):
                col.number_input(h.label, float(h.low), float(h.high), key=key(name),
                                 help=h.help, format="%g",
                                 step=0.01 if h.high <= 1 else 0.1)
    if visible("regularization"):
        c1, c2 = sb.columns(2)
        for col, name, label in ((c1, "l1", "L1 rate"), (c2, "l2", "L2 rate")):
            v = float(ss[key(name)])
            col.select_slider(label, sorted(set(REG_RATES) | {v}), key=key(name),
                              help=HELP[name], format_func=lambda v: f"{v:g}")
    if visible("dropout"):
        sb.slider("Dropout", 0.0, 0.9, step=0.05, key="cfg.dropout", help=HELP["dropout"])
    if visible("schedule"):
        sb.selectbox("Learning-rate schedule", list(SCHEDULES), key=key("schedule"),
                     help=HELP["schedule"], format_func=lambda s: SCHEDULES[s].label)
        if ss[key("schedule")] != "constant":
            c1, c2 = sb.columns(2)
            c1.number_input("Decay", 0.001, 1.0, key=key("lr_decay"), help=HELP["lr_decay"],
                            format="%g", step=0.05)
            c2.number_input("Period (epochs)", 1, 1_000_000, key=key("lr_period"),
                            help=HELP["lr_period"], step=10)
    if visible("stops"):
        sb.toggle("Early stopping", key=key("early_stopping"), help=HELP["early_stopping"])
        if ss[key("early_stopping")]:
            sb.number_input("Patience (epochs)", 1, 1_000_000, key=key("patience"),
                            help=HELP["patience"], step=10)
        c1, c2 = sb.columns(2)
        c1.number_input("Epoch budget", 0, 100_000_000, key=key("max_epochs"),
                        help=HELP["max_epochs"], step=100)
        c2.number_input("Target loss", 0.0, 1e6, key=key("target_loss"),
                        help=HELP["target_loss"], format="%g", step=0.01)


__all__ = ["HELP", "OUTPUTS", "data_controls", "feature_controls", "network_controls",
           "training_controls"]
