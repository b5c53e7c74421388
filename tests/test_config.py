"""Tests for engine.config: validation messages, round trips through a dict, JSON and URL query
text, and the lenient readers that never raise."""

import json
import re
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Trainer
from engine.activations import ACTIVATIONS
from engine.config import CUSTOM, LIVE_FIELDS, Config
from engine.data import DATASETS, FEATURES
from engine.fields import Number
from engine.initializers import INITIALIZERS
from engine.losses import LOSSES
from engine.optimizers import OPTIMIZERS
from engine.outputs import OUTPUTS
from engine.schedules import SCHEDULES

FIELDS = [f.name for f in fields(Config)]
# name -> (type, low, high), inclusive: every numeric setting of the table.
RANGES = {n: (int if f.integer else float, f.low, f.high)
          for n, f in Config.FIELDS.items() if isinstance(f, Number)}
BETWEEN = re.compile(r"^(\w+) must be between (\S+) and (\S+), not (\S+)$")


def test_defaults():
    c = Config()
    assert (c.dataset, c.hidden, c.activation, c.optimizer, c.lr, c.batch_size) == \
        ("circle", (4, 2), "tanh", "sgd", 0.03, 10)
    assert (c.output, c.loss, c.seed) == ("auto", "auto", 0)
    assert c.resolve_output("binary") == ("sigmoid", "bce")
    assert c.resolve_output("multiclass") == ("softmax", "cross_entropy")
    assert c.resolve_output("regression") == ("linear", "mse")
    assert LIVE_FIELDS < set(FIELDS)


# --- validation -------------------------------------------------------------------------------

def out_of_range(name):
    kind, low, high = RANGES[name]
    below = low - 1 if kind is int else (low / 2 if low > 0 else low - 0.5)
    return [below, high * 2 + 1]


@pytest.mark.parametrize("name", list(RANGES))
def test_every_range_is_enforced_with_exact_bounds_in_the_message(name):
    kind, low, high = RANGES[name]
    for bad in out_of_range(name):
        bad = kind(bad)
        with pytest.raises(ValueError) as e:
            Config(**{name: bad})
        m = BETWEEN.match(str(e.value))
        assert m, str(e.value)
        assert m[1] == name
        # The numbers shown are the real bounds and value, not rounded ones.
        assert (float(m[2]), float(m[3]), float(m[4])) == (low, high, bad), str(e.value)
    for ok in (low, high):
        assert getattr(Config(**{name: kind(ok)}), name) == ok
        assert type(getattr(Config(**{name: kind(ok)}), name)) is kind


@pytest.mark.parametrize("name", list(RANGES))
def test_numbers_must_be_finite_real_numbers(name):
    for bad in ("0.1", None, True, [1], {}):
        if name == "eps" and bad is None:
            continue  # None means the optimizer's default
        with pytest.raises(ValueError, match=f"^{name} must be a number, not "):
            Config(**{name: bad})
    for bad in (float("nan"), float("inf"), -float("inf")):
        with pytest.raises(ValueError, match=f"^{name} must be a finite number"):
            Config(**{name: bad})
    with pytest.raises(ValueError, match=f"^{name} must be "):
        Config(**{name: 10**400})  # too large for a float


@pytest.mark.parametrize("name", [n for n, r in RANGES.items() if r[0] is int])
def test_whole_numbers(name):
    kind, low, high = RANGES[name]
    with pytest.raises(ValueError, match=f"^{name} must be a whole number, not {low + 0.5}"):
        Config(**{name: low + 0.5})
    c = Config(**{name: float(low)})
    assert getattr(c, name) == low and type(getattr(c, name)) is int


def test_numpy_numbers_are_accepted():
    c = Config(n_samples=np.int64(300), lr=np.float64(0.1), seed=np.uint32(7),
               hidden=[np.int64(3), 2], dropout=np.float32(0.5))
    assert (c.n_samples, c.lr, c.seed, c.hidden, c.dropout) == (300, 0.1, 7, (3, 2), 0.5)
    assert type(c.n_samples) is int and type(c.seed) is int and type(c.dropout) is float
    assert Config.from_json(c.to_json()) == c


@pytest.mark.parametrize("name, registry", [
    ("dataset", [*DATASETS, CUSTOM]), ("activation", ACTIVATIONS),
    ("output", ["auto", *OUTPUTS]), ("loss", ["auto", *LOSSES]), ("init", INITIALIZERS),
    ("optimizer", OPTIMIZERS), ("schedule", SCHEDULES),
])
def test_bad_names_list_the_valid_ones(name, registry):
    for bad in ("nope", None, 3, ["tanh"], {"a": 1}):
        if name == "activation" and isinstance(bad, list):
            continue  # a per-layer list, checked below
        with pytest.raises(ValueError) as e:
            Config(**{name: bad})
        message = str(e.value)
        assert message.startswith(f"{name} must be one of: ")
        for valid in registry:
            assert valid in message
        assert repr(bad) in message


def test_features():
    with pytest.raises(ValueError) as e:
        Config(features=("x1", "x3"))
    assert "x3" in str(e.value) and all(f in str(e.value) for f in FEATURES)
    for bad in ("x1", None, 5, [1, 2]):
        with pytest.raises(ValueError, match="features must be a list of feature names"):
            Config(features=bad)
    with pytest.raises(ValueError, match="choose at least one input feature"):
        Config(features=())
    with pytest.raises(ValueError, match="each input feature may appear only once"):
        Config(features=("x1", "x1"))
    assert Config(features=["sin_x1", "x2"]).features == ("sin_x1", "x2")


def test_hidden_layers():
    assert Config(hidden=[8, 8.0]).hidden == (8, 8)
    assert Config(hidden=()).hidden == ()
    for bad in (4, "4,2", None, {4: 1}):
        with pytest.raises(ValueError, match=r"hidden must be a list of layer widths, e.g. \[4"):
            Config(hidden=bad)
    for bad in ([True, 2], [4, "a"], ["4"], [[4]], [2.5], [None]):
        with pytest.raises(ValueError, match="hidden must be a list of whole numbers"):
            Config(hidden=bad)
    for bad in ([0], [1025], [1] * 33, [10**400]):
        with pytest.raises(ValueError, match="at most 32 hidden layers of 1 to 1024 neurons"):
            Config(hidden=bad)


def test_per_layer_activation_and_dropout_lengths():
    c = Config(hidden=(3, 2), activation=["relu", "tanh"], dropout=[0.1, 0.0])
    assert c.activation == ("relu", "tanh") and c.dropout == (0.1, 0.0)
    assert c.activations == ["relu", "tanh"] and c.dropouts == [0.1, 0.0]
    assert Config(hidden=(3, 2), dropout=0.2).dropouts == [0.2, 0.2]
    with pytest.raises(ValueError, match=r"one activation for all layers or one per hidden "
                                         r"layer \(2\), not 3"):
        Config(hidden=(3, 2), activation=("relu",) * 3)
    with pytest.raises(ValueError, match="activation must be one of: .*got 'x'"):
        Config(hidden=(3, 2), activation=("relu", "x"))
    with pytest.raises(ValueError, match=r"one dropout rate for all layers or one per hidden "
                                         r"layer \(2\), not 1"):
        Config(hidden=(3, 2), dropout=[0.1])
    for bad in (-0.1, 0.95, True, "0.1", None, [0.1, None]):
        with pytest.raises(ValueError, match="dropout must be"):
            Config(hidden=(3, 2), dropout=bad)


def test_output_and_loss_must_fit_the_task():
    with pytest.raises(ValueError, match="a binary problem needs a sigmoid or tanh or linear "
                                         "output, not softmax"):
        Config(dataset="circle", output="softmax")
    with pytest.raises(ValueError, match="the bce loss cannot follow a linear output"):
        Config(dataset="plane", output="linear", loss="bce")
    # With output auto, the loss is checked against the output the task implies, so no config
    # that validates fails later in the Trainer.
    with pytest.raises(ValueError, match="the cross_entropy loss cannot follow a sigmoid output"):
        Config(dataset="circle", loss="cross_entropy")
    assert Config(dataset="blobs", loss="mse").resolve_output("multiclass") == ("softmax", "mse")
    assert Config(dataset=CUSTOM, loss="cross_entropy").loss == "cross_entropy"


def test_early_stopping_must_be_a_bool():
    for bad in (1, "true", None):
        with pytest.raises(ValueError, match="early_stopping must be true or false"):
            Config(early_stopping=bad)


def test_optimizer_hyper_takes_only_the_chosen_optimizers_settings():
    assert Config(optimizer="sgd").optimizer_hyper() == {}
    assert Config(optimizer="momentum", momentum=0.5).optimizer_hyper() == {"momentum": 0.5}
    assert Config(optimizer="adam").optimizer_hyper() == {"beta1": 0.9, "beta2": 0.999}
    assert Config(optimizer="adam", eps=1e-6).optimizer_hyper()["eps"] == 1e-6


def test_config_is_frozen_and_replace_validates():
    c = Config()
    with pytest.raises(AttributeError):
        c.lr = 0.1
    assert c.replace(lr=0.1).lr == 0.1 and c.lr == 0.03
    with pytest.raises(ValueError, match="lr must be between"):
        c.replace(lr=1000)


# --- round trips ------------------------------------------------------------------------------

EXAMPLES = [
    Config(),
    Config(dataset="blobs", n_classes=5, output="softmax", loss="mse", hidden=(8, 8, 8),
           activation=("relu", "gelu", "sine"), dropout=(0.1, 0.0, 0.5), optimizer="adamw",
           eps=1e-7, weight_decay=0.1, lr=1e-5, early_stopping=True, patience=3,
           schedule="cosine", lr_decay=0.01, seed=2**32 - 1, features=("sin_x2", "x1_x2")),
    Config(dataset="plane", output="tanh", loss="half_mse", hidden=(), activation=(),
           dropout=(), noise=0.5, train_ratio=0.9, n_samples=20_000, max_epochs=100_000_000,
           target_loss=0.001, batch_size=1, l1=1e-4, l2=3.0),
    Config(dataset=CUSTOM, output="softmax", loss="cross_entropy", hidden=(1,)),
]


@pytest.mark.parametrize("c", EXAMPLES)
def test_dict_json_and_query_round_trips(c):
    d = c.to_dict()
    assert set(d) == set(FIELDS)
    assert all(not isinstance(v, tuple) for v in d.values())
    json.dumps(d)  # plain JSON types only
    assert Config.from_dict(d) == c
    assert Config.from_json(c.to_json()) == c
    q = c.to_query()
    assert all(isinstance(v, str) for v in q.values())
    assert ("eps" in q) == (c.eps is not None)
    back, warnings = Config.from_query(q)
    assert warnings == []
    assert back == c


def test_query_text():
    q = Config(hidden=(4, 2), activation=("relu", "tanh"), early_stopping=True).to_query()
    assert q["hidden"] == "4,2" and q["activation"] == "relu,tanh"
    assert q["early_stopping"] == "true" and q["lr"] == "0.03" and q["features"] == "x1,x2"
    c, w = Config.from_query({"hidden": "8,8,8", "lr": "1e-3", "early_stopping": "1",
                              "dropout": "0.2", "seed": "12"})
    assert w == []
    assert (c.hidden, c.lr, c.early_stopping, c.dropout, c.seed) == \
        ((8, 8, 8), 1e-3, True, 0.2, 12)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown setting.s.: colour, speed"):
        Config.from_dict({"lr": 0.1, "speed": 2, "colour": "red"})


@pytest.mark.parametrize("text, message", [
    ("{", r"not a valid config file \(JSON error: .* at line 1\)"),
    ("{\n\"lr\": 0.1,\n}", r"JSON error: .* at line 3"),
    ("", "not a valid config file"),
    ("[1, 2]", "expected a JSON object of settings"),
    ("\"lr\"", "expected a JSON object of settings"),
    ("{\"lr\": \"fast\"}", "lr must be a number, not 'fast'"),
    ("{\"lr\": 0.1, \"hiden\": [3]}", "unknown setting.s.: hiden"),
    ("{\"init\": [\"zeros\"]}", "init must be one of"),
    ("{\"hidden\": null}", "hidden must be"),
    ("{\"seed\": 1" + "0" * 400 + "}", "seed must be"),
    ("{\"lr\": NaN}", "lr must be a finite number"),
])
def test_from_json_errors_are_value_errors_with_readable_messages(text, message):
    with pytest.raises(ValueError, match=message):
        Config.from_json(text)


# --- lenient readers --------------------------------------------------------------------------

def test_lenient_keeps_good_values_and_warns_once_per_bad_one():
    d = {"lr": -1, "batch_size": 5, "hidden": "x", "dataset": "nope", "foo": 1,
         "activation": None, "seed": 10**400, "init": ["zeros"], "optimizer": "adam"}
    c, warnings = Config.lenient(d)
    assert (c.batch_size, c.optimizer) == (5, "adam")
    assert c.replace(batch_size=10, optimizer="sgd") == Config()
    assert len(warnings) == 7
    for key in ("lr", "hidden", "dataset", "foo", "activation", "seed", "init"):
        assert sum(key in w for w in warnings) >= 1, (key, warnings)
    assert "unknown setting 'foo' was ignored" in warnings
    assert any(w.startswith("lr: lr must be between") and w.endswith("kept 0.03")
               for w in warnings)


def test_lenient_applies_settings_that_only_fit_together():
    base = Config(dataset="blobs", output="softmax", loss="cross_entropy", hidden=(4, 2),
                  activation=("relu", "tanh"), dropout=(0.1, 0.2))
    changes = {"dataset": "circle", "output": "sigmoid", "loss": "bce", "hidden": [8, 8, 8],
               "activation": ["tanh", "relu", "sine"], "dropout": [0.0, 0.1, 0.2]}
    c, warnings = Config.lenient(changes, base)
    assert warnings == []
    assert c == Config.from_dict(base.to_dict() | changes)
    # One bad value among them is reported alone; the rest still apply.
    c, warnings = Config.lenient(changes | {"lr": "fast"}, base)
    assert c == Config.from_dict(base.to_dict() | changes)
    assert len(warnings) == 1 and warnings[0].startswith("lr:")


def test_from_query_with_bad_values_returns_defaults_and_one_warning_each():
    q = {"lr": "abc", "hidden": "4,x", "early_stopping": "maybe", "seed": "1e400",
         "n_samples": "12.5", "bogus": "1", "dataset": "nope", "batch_size": "inf",
         "noise": "nan", "dropout": "0.1,a", "momentum": "0.5"}
    c, warnings = Config.from_query(q)
    assert c == Config(momentum=0.5)
    assert len(warnings) == len(q) - 1
    for key in q:
        if key != "momentum":
            assert sum(w.startswith(f"{key}:") or f"'{key}'" in w for w in warnings) == 1, key


def test_from_query_uses_the_base():
    base = Config(dataset="xor", lr=0.3)
    c, warnings = Config.from_query({"lr": "x", "batch_size": "20"}, base)
    assert c == base.replace(batch_size=20) and len(warnings) == 1


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                  max_size=3),
    max_leaves=6)


@settings(max_examples=150, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), JSONISH, max_size=6))
def test_lenient_never_raises(d):
    c, warnings = Config.lenient(d)
    assert isinstance(c, Config) and len(warnings) <= len(d)
    assert Config.from_dict(c.to_dict()) == c
    q = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in d.items()}
    c, warnings = Config.from_query(q)
    assert isinstance(c, Config) and len(warnings) <= len(q)
    if c.dataset != CUSTOM:
        Trainer(c.replace(n_samples=20))  # whatever validates also builds


CONFIGS = st.builds(
    dict,
    dataset=st.sampled_from(list(DATASETS)),
    hidden=st.lists(st.integers(1, 8), max_size=3),
    lr=st.floats(1e-6, 100),
    seed=st.integers(0, 2**32 - 1),
    early_stopping=st.booleans(),
    eps=st.none() | st.floats(1e-12, 1e-3),
    features=st.lists(st.sampled_from(list(FEATURES)), min_size=1, max_size=7, unique=True),
    optimizer=st.sampled_from(list(OPTIMIZERS)),
    schedule=st.sampled_from(list(SCHEDULES)),
    noise=st.floats(0, 0.5),
)


@settings(max_examples=100, deadline=None, database=None)
@given(CONFIGS, st.data())
def test_round_trips_of_random_configs(d, data):
    n = len(d["hidden"])
    d["activation"] = data.draw(st.sampled_from(list(ACTIVATIONS))
                                | st.lists(st.sampled_from(list(ACTIVATIONS)),
                                           min_size=n, max_size=n))
    d["dropout"] = data.draw(st.floats(0, 0.9)
                             | st.lists(st.floats(0, 0.9), min_size=n, max_size=n))
    c = Config.from_dict(d)
    assert Config.from_dict(c.to_dict()) == c
    assert Config.from_json(c.to_json()) == c
    assert Config.from_query(c.to_query()) == (c, [])
