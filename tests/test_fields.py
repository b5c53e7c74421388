"""Tests for engine.fields (settings declared once) and engine.outputs (the output registry):
a settings class made from a table validates, round-trips and lists its live fields from that
table alone; the optimizer registry's hyperparameters and the dataset limits feed Config."""

import math

import numpy as np
import pytest

from engine.config import FIELDS, LIVE_FIELDS, Config
from engine.data import FEATURES
from engine.data import points as D
from engine.fields import Choice, Flag, Names, Number, PerLayer, Settings, Widths, settings
from engine.optimizers import OPTIMIZERS
from engine.outputs import OUTPUTS, TASKS, default_output, get_output, task_outputs


# --- a settings class of its own, one field of each kind ---------------------------------------
@settings(
    Choice("colour", "red", "Colour", "The colour.", options=("red", "green"),
           labels={"red": "Red"}),
    Number("size", 3, "Size", live=True, low=1, high=9, integer=True),
    Number("rate", 0.5, live=True, low=0.0, high=1.0, offered=(0.1, 0.5)),
    Number("eps", None, low=1e-9, high=1e-3, optional=True),
    Flag("on", False, live=True),
    Names("tags", ("a",), options=("a", "b", "c"), noun="tag"),
    Widths("layers", (2, 2), high=8, max_len=3),
    PerLayer("kinds", "x", item=Choice("kinds", "x", options=("x", "y")), of="layers",
             noun="kind"),
)
class Toy(Settings):
    GROUPS = (("layers", "kinds"),)

    def _check(self):
        if self.colour == "green" and self.size > 5:
            raise ValueError("green things are small")


def test_a_settings_class_is_a_frozen_dataclass_from_its_table():
    t = Toy()
    assert (t.colour, t.size, t.rate, t.eps, t.on, t.tags, t.layers, t.kinds) == \
        ("red", 3, 0.5, None, False, ("a",), (2, 2), "x")
    assert list(Toy.FIELDS) == ["colour", "size", "rate", "eps", "on", "tags", "layers", "kinds"]
    assert Toy.live_fields() == {"size", "rate", "on"}
    with pytest.raises(AttributeError):
        t.size = 4
    assert Toy(size=4.0).size == 4 and type(Toy(size=4.0).size) is int


@pytest.mark.parametrize("changes, message", [
    ({"colour": "blue"}, r"colour must be one of: red, green \(got 'blue'\)"),
    ({"size": 10}, "size must be between 1 and 9, not 10"),
    ({"size": 2.5}, "size must be a whole number, not 2.5"),
    ({"rate": math.nan}, "rate must be a finite number"),
    ({"rate": "0.1"}, "rate must be a number, not '0.1'"),
    ({"on": 1}, "on must be true or false, not 1"),
    ({"tags": ()}, "choose at least one tag"),
    ({"tags": ("a", "a")}, "each tag may appear only once"),
    ({"tags": ("z",)}, "each tag must be one of: a, b, c"),
    ({"layers": (2, 9)}, r"at most 3 hidden layers of 1 to 8 neurons each \(got \[2, 9\]\)"),
    ({"kinds": ("x",)}, r"give one kind for all layers or one per hidden layer \(2\), not 1"),
    ({"kinds": ("x", "q")}, "kinds must be one of: x, y"),
    ({"colour": "green", "size": 6}, "green things are small"),
])
def test_validation_messages_come_from_the_table(changes, message):
    with pytest.raises(ValueError, match=message):
        Toy(**changes)


@pytest.mark.parametrize("t", [
    Toy(),
    Toy(colour="green", size=1, rate=0.123456789, eps=1e-7, on=True, tags=("c", "a"),
        layers=(5,), kinds=("y",)),
    Toy(layers=(), kinds=()),
    Toy(layers=(1, 2, 3), kinds=("x", "y", "x")),
])
def test_round_trips(t):
    assert Toy.from_dict(t.to_dict()) == t
    assert Toy.from_json(t.to_json()) == t
    q = t.to_query()
    assert all(isinstance(v, str) for v in q.values()) and ("eps" in q) == (t.eps is not None)
    assert Toy.from_query(q) == (t, [])


def test_per_layer_text_tells_one_layer_from_all_layers():
    assert Toy(layers=(5,), kinds=("y",)).to_query()["kinds"] == "y,"
    assert Toy(layers=(5,), kinds="y").to_query()["kinds"] == "y"
    assert Toy.from_query({"layers": "5", "kinds": "y,"})[0].kinds == ("y",)


def test_lenient_readers_keep_the_base_and_warn_once_per_bad_setting():
    base = Toy(size=7)
    t, warnings = Toy.from_query({"size": "x", "rate": "2", "colour": "green", "zzz": "1"}, base)
    assert t == base.replace(colour="red")  # green with size 7 breaks a rule: kept red
    assert len(warnings) == 4
    assert any(w.startswith("size: could not read 'x'") for w in warnings)
    assert any(w.startswith("rate: rate must be between 0 and 1") for w in warnings)
    assert "unknown setting 'zzz' was ignored" in warnings
    # Settings valid only together (a group) apply together.
    t, warnings = Toy.lenient({"layers": [4, 4, 4], "kinds": ["y", "y", "x"]})
    assert warnings == [] and t.kinds == ("y", "y", "x")


def test_choice_labels_and_descriptions():
    colour = Toy.FIELDS["colour"]
    assert colour.show("red") == "Red" and colour.show("green") == "green"
    opt = Config.FIELDS["optimizer"]
    assert opt.show("adamw") == "AdamW" and opt.describe("adamw") == OPTIMIZERS["adamw"].description


# --- Config's table --------------------------------------------------------------------------
def test_every_config_field_has_a_label_and_help():
    for f in FIELDS:
        assert f.label and f.help and f.help.endswith("."), f.name


def test_live_fields_are_the_training_settings():
    assert LIVE_FIELDS == {n for n, f in Config.FIELDS.items() if f.live}
    assert {"lr", "optimizer", "batch_size", "l1", "l2", "dropout"} <= LIVE_FIELDS
    assert not {"dataset", "hidden", "activation", "seed", "init"} & LIVE_FIELDS


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_optimizer_hyperparameters_feed_the_config(opt):
    """A hyperparameter added to the optimizer registry becomes a live setting with its range."""
    for name, h in OPTIMIZERS[opt].hyper.items():
        f = Config.FIELDS[name]
        assert isinstance(f, Number) and f.live and (f.label, f.help) == (h.label, h.help)
        assert (f.low, f.high) == (h.low, h.high)
        shared = {o.hyper[name].default for o in OPTIMIZERS.values() if name in o.hyper}
        assert f.default == (h.default if len(shared) == 1 else None)
        assert f.optional == (len(shared) > 1)
        Config(optimizer=opt, **{name: h.low})
        with pytest.raises(ValueError, match=f"{name} must be between"):
            Config(optimizer=opt, **{name: h.high * 2 + 1})


def test_dataset_limits_feed_the_config():
    f = Config.FIELDS
    assert (f["n_samples"].low, f["n_samples"].high) == (D.MIN_SAMPLES, D.MAX_SAMPLES)
    assert f["noise"].high == D.MAX_NOISE and f["n_classes"].high == D.MAX_CLASSES
    assert (f["train_ratio"].low, f["train_ratio"].high) == (D.MIN_TRAIN_RATIO,
                                                             D.MAX_TRAIN_RATIO)
    assert set(f["dataset"].options) == {*D.DATASETS, "custom"}
    assert set(f["features"].options) == set(FEATURES)


def test_offered_values_are_valid():
    for f in FIELDS:
        for v in getattr(f, "offered", ()):
            assert f.check(v) == v, (f.name, v)


# --- outputs ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(OUTPUTS))
def test_each_output_stays_in_its_range_and_serves_its_tasks(name):
    out = OUTPUTS[name]
    z = np.random.default_rng(0).normal(size=(50, 3)) * 5
    p = out.forward(z)
    lo, hi = out.value_range
    assert np.all((p >= lo) & (p <= hi))
    assert out.tasks and set(out.tasks) <= set(TASKS)
    assert out.default_loss in Config.FIELDS["loss"].options
    for task in out.tasks:
        assert name in task_outputs(task)
    lo_t, hi_t = out.binary_targets
    assert lo <= lo_t < out.threshold < hi_t <= hi


def test_default_outputs_of_the_tasks():
    assert {t: default_output(t) for t in TASKS} == {
        "binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
    assert task_outputs("binary") == ["sigmoid", "tanh", "linear"]
    assert task_outputs("regression") == ["linear", "tanh"]
    with pytest.raises(ValueError, match="unknown output 'relu'; choose one of: sigmoid"):
        get_output("relu")
    with pytest.raises(ValueError, match="unknown task"):
        default_output("ranking")


def test_softmax_is_per_position_on_sequences():
    z = np.random.default_rng(1).normal(size=(2, 5, 4))
    p = OUTPUTS["softmax"].forward(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(p[1, 3], OUTPUTS["softmax"].forward(z[1, 3][None])[0])
