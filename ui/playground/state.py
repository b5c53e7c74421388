"""Session state: widget keys, the Config they describe, and the URL that mirrors them.

Every setting has one widget key. `init()` seeds the keys once per session from the URL (bad or
unknown values fall back to defaults with a warning), `config_from_state()` turns the widgets
back into a Config, and `sync_url()` writes the Config into the query string so a copied link
reproduces the run. Classroom flags (`hide`, `presenter`) live in the URL beside the settings.
"""

import streamlit as st

from engine import CUSTOM, DATASETS, FEATURES, Config

MAX_LAYERS, MAX_WIDTH = 8, 16  # what the page offers (the engine allows more)
UI_FLAGS = ("hide", "presenter")  # URL keys that are not settings
# View options and other page state that is not part of a run's settings.
UI_DEFAULTS = {"ui.speed": "100", "ui.show_test": False, "ui.discretize": False,
               "ui.log": False, "ui.internals": True, "ui.click_adds": False}
# Settings with a widget of the same name under "cfg.<name>".
SIMPLE = ("dataset", "n_samples", "noise", "train_ratio", "n_classes", "output", "loss", "init",
          "optimizer", "lr", "momentum", "alpha", "beta1", "beta2", "weight_decay",
          "batch_size", "l1", "l2", "schedule", "lr_decay", "lr_period", "early_stopping",
          "patience", "max_epochs", "target_loss", "seed")


def key(name: str) -> str:
    return f"cfg.{name}"


def widget_keys() -> list[str]:
    keys = [key(n) for n in SIMPLE] + [f"feat.{f}" for f in FEATURES]
    keys += ["net.layers", "net.act", "net.per_layer", "cfg.dropout", "ui.task", "cfg.eps",
             *UI_DEFAULTS]
    keys += [f"net.width.{i}" for i in range(MAX_LAYERS)] + [f"net.act.{i}"
                                                             for i in range(MAX_LAYERS)]
    return keys


def write_config(config: Config, task: str | None = None) -> list[str]:
    """Set every widget from `config`; returns warnings for what the page cannot show."""
    ss, warnings = st.session_state, []
    for n in SIMPLE:
        ss[key(n)] = getattr(config, n)
    ss["cfg.eps"] = config.eps
    for f in FEATURES:
        ss[f"feat.{f}"] = f in config.features
    hidden = list(config.hidden)
    if len(hidden) > MAX_LAYERS or any(h > MAX_WIDTH for h in hidden):
        warnings.append(f"this page shows at most {MAX_LAYERS} hidden layers of {MAX_WIDTH} "
                        f"neurons; the network {list(hidden)} was cut to fit")
        hidden = [min(h, MAX_WIDTH) for h in hidden[:MAX_LAYERS]]
    ss["net.layers"] = len(hidden)
    acts = config.activations[:len(hidden)]
    for i in range(MAX_LAYERS):
        ss[f"net.width.{i}"] = hidden[i] if i < len(hidden) else (hidden[-1] if hidden else 4)
        ss[f"net.act.{i}"] = acts[i] if i < len(acts) else (acts[-1] if acts else "tanh")
    ss["net.per_layer"] = not isinstance(config.activation, str) and len(set(acts)) > 1
    ss["net.act"] = acts[0] if acts else (config.activation if isinstance(config.activation, str)
                                          else "tanh")
    ss["cfg.dropout"] = max(config.dropouts) if config.dropouts else 0.0
    if task is None:
        task = DATASETS[config.dataset].task if config.dataset != CUSTOM else "binary"
    ss["ui.task"] = task
    return warnings


def init() -> None:
    """Seed the widgets once per session from the URL; afterwards keep their values across
    visits to other pages."""
    ss = st.session_state
    if "_init" not in ss:
        query = {k: v for k, v in st.query_params.to_dict().items() if k not in UI_FLAGS}
        config, warnings = Config.from_query(query)
        warnings += write_config(config)
        ss["url_warnings"] = warnings
        ss["hidden_controls"] = set(filter(None, st.query_params.get("hide", "").split(",")))
        ss["presenter"] = st.query_params.get("presenter", "") in ("1", "true")
        ss["_init"] = True
        ss["good_config"] = config
        for k, v in UI_DEFAULTS.items():
            ss.setdefault(k, v)
    keep_widgets(widget_keys(), "_widgets")


def keep_widgets(keys, store: str) -> None:
    """Streamlit forgets the values of widgets a run did not draw (a visit to another page): a
    copy under `store` brings them back, and re-saving keeps them alive meanwhile. Call at the
    start of every full run of the page that draws them."""
    ss = st.session_state
    saved = ss.setdefault(store, {})
    for k in keys:
        if k in ss:
            saved[k] = ss[k] = ss[k]
        elif k in saved:
            ss[k] = saved[k]


def config_from_state() -> Config:
    """The Config the widgets describe; ValueError (readable) when they do not fit together."""
    ss = st.session_state
    d = {n: ss[key(n)] for n in SIMPLE}
    d["eps"] = ss.get("cfg.eps")
    d["features"] = [f for f in FEATURES if ss.get(f"feat.{f}")]
    n = int(ss["net.layers"])
    d["hidden"] = [int(ss[f"net.width.{i}"]) for i in range(n)]
    if ss.get("net.per_layer") and n:
        d["activation"] = [ss[f"net.act.{i}"] for i in range(n)]
    else:
        d["activation"] = ss["net.act"]
    d["dropout"] = float(ss["cfg.dropout"])
    return Config.from_dict(d)


def url_query(config: Config) -> dict[str, str]:
    """The query string for `config` plus the classroom flags."""
    q = config.to_query()
    ss = st.session_state
    if ss.get("hidden_controls"):
        q["hide"] = ",".join(sorted(ss["hidden_controls"]))
    if ss.get("presenter"):
        q["presenter"] = "1"
    return q


def sync_url(config: Config) -> None:
    """Mirror `config` in the URL (only when it changed, to spare the browser history)."""
    q = url_query(config)
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)


def visible(name: str) -> bool:
    """False when the teacher hid control `name` with the URL's hide= list."""
    return name not in st.session_state.get("hidden_controls", set())
