"""The shared live-training framework (ui/live): a page built on it in a few dozen lines, the
runner with any trainer, widgets made from the settings fields, the classroom flags shared by
every page, and widget values that survive a visit to another page."""

import time

import apptest_pages
import pytest
from apptest_pages import components
from streamlit.testing.v1 import AppTest

from engine import Config, Trainer
from engine.fields import Flag, Names, Number, PerLayer, Widths
from ui.live import panel
from ui.live.runner import GroupRunner, Runner
from ui.live.widgets import help_text

MINIMAL = "tests/pages/minimal_live_page.py"



# --- a new page on the framework --------------------------------------------------------------
def test_a_live_page_takes_well_under_80_lines(root):
    code = [line for line in (root / MINIMAL).read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    assert len(code) < 80, len(code)


@pytest.fixture
def minimal(root):
    at = AppTest.from_file(str(root / MINIMAL), default_timeout=60)
    at.query_params["lr"] = "0.1"
    at.query_params["seed"] = "3"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    yield at
    at.session_state["mini.runner"].close()


def test_the_minimal_page_trains_draws_and_keeps_its_url(minimal):
    at = minimal
    r = at.session_state["mini.runner"]
    assert r.trainer.config.lr == 0.1 and r.trainer.config.seed == 3  # from the link
    assert {c.proto.json and c.key for c in components(at, "nnp_live_chart")} >= {"map", "loss"}
    assert len(components(at, "nnp_live_status")) == 1
    at.button(key="mini.step_epoch").click().run()
    assert r.trainer.epoch == 1
    at.button(key="mini.step_batch").click().run()
    assert r.trainer.steps == r.trainer.steps_per_epoch + 1
    weights = r.trainer.net.flat.copy()
    at.select_slider(key="mini.lr").set_value(0.3).run()  # live: keeps the weights
    assert r.trainer.optimizer.lr == 0.3 and (r.trainer.net.flat == weights).all()
    assert at.query_params["lr"] == "0.3"
    at.slider(key="mini.width").set_value(5).run()  # structural: rebuilds
    assert r.trainer.config.hidden == (5, 5) and r.trainer.epoch == 0
    at.button(key="mini.play").click().run()
    end = time.monotonic() + 10
    while r.trainer.epoch < 3 and time.monotonic() < end:
        time.sleep(0.05)
    assert r.playing and r.trainer.epoch >= 3
    at.button(key="mini.pause").click().run()
    assert not r.playing


# --- the runner works with any trainer --------------------------------------------------------
class CountingTrainer(Trainer):
    built = 0

    def __init__(self, config, data=None):
        CountingTrainer.built += 1
        super().__init__(config, data)


def test_runners_build_their_trainers_with_the_page_s_builder():
    CountingTrainer.built = 0
    r = Runner(Config(), build=CountingTrainer)
    r.step_epoch()
    r.reset()
    assert isinstance(r.trainer, CountingTrainer) and CountingTrainer.built == 2
    assert r.progress == 0 and r.trainer.epoch == 0
    g = GroupRunner([Config(), Config(lr=0.1)], ["a", "b"], build=CountingTrainer)
    g.step_epoch()
    assert g.progress == sum(t.steps for t in g.trainers) > 0
    assert all(isinstance(t, CountingTrainer) for t in g.trainers)
    r.close()
    g.close()


def test_a_diverging_run_in_the_runner_warns_nothing(recwarn):
    r = Runner(Config(dataset="plane", activation="relu", hidden=(8, 8), lr=10))
    statuses = []
    for _ in range(30):  # step by step, as Step batch does
        r.step_batch()
        statuses.append(r.trainer.status)
    assert "diverged" in statuses
    r.reset()
    r.step_epoch()
    assert r.trainer.status == "diverged"
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    r.close()


# --- widgets from fields ----------------------------------------------------------------------
WIDGET_PAGE = """
import streamlit as st
from engine import Config
from ui.live.widgets import field_widget

names = [n for n, f in Config.FIELDS.items() if n not in ("hidden", "eps")]
for n in names:
    st.session_state.setdefault("w." + n, getattr(Config(), n))
st.session_state["got"] = {n: field_widget(Config.FIELDS[n], "w." + n) for n in names}
"""

KINDS = {"select_slider", "slider", "number_input", "toggle", "selectbox", "multiselect",
         "text_input"}


def test_every_setting_draws_its_widget_with_its_label_help_and_value():
    at = AppTest.from_string(WIDGET_PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    got = at.session_state["got"]
    default = Config()
    for name, f in Config.FIELDS.items():
        if name in ("hidden", "eps"):
            continue
        widgets = [w for kind in KINDS for w in getattr(at, kind) if w.key == f"w.{name}"]
        assert len(widgets) == 1, name
        (w,) = widgets
        assert w.label == f.label and w.help.startswith(f.help), name
        value = got[name]
        assert (tuple(value) if isinstance(f, Names) else value) == getattr(default, name), name
        if isinstance(f, Number) and f.offered:  # a picker of the offered values
            assert {f"{v:g}" for v in f.offered} <= set(w.options), name
    # Changing one changes what the control returns.
    at.select_slider(key="w.lr").set_value(0.3).run()
    at.toggle(key="w.early_stopping").set_value(True).run()
    assert at.session_state["got"]["lr"] == 0.3 and at.session_state["got"]["early_stopping"]


def test_widget_kinds_follow_the_field():
    f = Config.FIELDS
    assert f["lr"].offered and isinstance(f["early_stopping"], Flag)
    assert f["noise"].slider and not f["seed"].slider
    assert isinstance(f["dropout"], PerLayer) and f["dropout"].item.slider
    assert isinstance(f["hidden"], Widths)


def test_help_adds_the_learn_page_that_explains_a_setting():
    text = help_text("lr", Config.FIELDS["lr"])
    assert text.startswith(Config.FIELDS["lr"].help)
    assert text.endswith("Learn more: [Gradient descent](Gradient_descent).")
    assert help_text("seed", Config.FIELDS["seed"]) == Config.FIELDS["seed"].help
    assert "Learn more" in help_text("step_epoch")


# --- classroom flags and widget values across pages --------------------------------------------
def test_classroom_flags_are_the_whole_session_s(root):
    at = apptest_pages.open_page(root, "pages/1_Playground.py",
                                 {"presenter": "1", "hide": "lr,optimizer"})
    assert at.session_state["presenter"] is True
    at.switch_page("pages/2_Compare.py").run()
    assert not at.exception
    assert at.query_params["presenter"] == "1" and at.query_params["hide"] == "lr,optimizer"
    at.switch_page("pages/4_Activation_functions.py").run()
    assert at.session_state["presenter"] is True
    for k in ("pg.runner", "cmp.runner"):
        at.session_state[k].close()


LEARN_WIDGETS = [
    ("pages/3_One_neuron.py", "slider", "neuron.w1", 2.5),
    ("pages/4_Activation_functions.py", "selectbox", "act.name", "relu"),
    ("pages/5_Forward_and_backward.py", "selectbox", "fb.act", "relu"),
    ("pages/6_Gradient_descent.py", "slider", "gd.steps", 40),
    ("pages/7_Loss_functions.py", "slider", "loss.p", 0.7),
    ("pages/8_Overfitting_lab.py", "toggle", "of.l2", True),
    ("pages/9_Hidden_layers.py", "selectbox", "hl.activation", "relu"),
]


@pytest.mark.parametrize("script, kind, key, value", LEARN_WIDGETS,
                         ids=[k for _, _, k, _ in LEARN_WIDGETS])
def test_a_learn_page_keeps_its_widgets_after_a_visit_elsewhere(root, script, kind, key, value):
    at = apptest_pages.open_page(root, script)
    getattr(at, kind)(key=key).set_value(value).run()
    assert not at.exception, [e.message for e in at.exception]
    at.switch_page("pages/7_Loss_functions.py" if "Loss" not in script
                   else "pages/3_One_neuron.py").run()
    at.switch_page(script).run()
    assert not at.exception, [e.message for e in at.exception]
    assert getattr(at, kind)(key=key).value == value


def test_the_transport_bar_hides_what_the_teacher_hid(root):
    at = apptest_pages.open_page(root, "pages/1_Playground.py", {"hide": "step,reset,speed"})
    keys = {b.key for b in at.button}
    assert "btn.play" in keys and not {"btn.step_epoch", "btn.step_batch", "btn.reset"} & keys
    assert not [s for s in at.select_slider if s.key == "pg.speed"]
    at.session_state["pg.runner"].close()


def test_layout_rows_and_transport_defaults():
    t = panel.Transport("x")
    assert t.steps == ("epoch", "batch")
    layout = panel.Layout(main=((panel.Chart("a", 2, clickable=True), panel.Chart("b")),))
    assert [c.key for row in layout.main for c in row] == ["a", "b"] and layout.slow == ()


# --- a hint when the learning rate is too large --------------------------------------------------
def losses(config: Config, epochs: int = 150) -> list[float]:
    t = Trainer(config)
    t.run(epochs)
    return t.history["train_loss"]


@pytest.mark.parametrize("config, hinted", [
    (Config(lr=10), True),  # circle at rate 10: the loss swings between about 1 and 7
    (Config(lr=0.03), False), (Config(lr=1), False),
    (Config(dataset="spiral", hidden=(8, 8), optimizer="adam", lr=0.01), False),
], ids=["circle-10", "circle-0.03", "circle-1", "spiral-adam"])
def test_a_loss_that_swings_gets_a_hint_and_a_settling_one_does_not(config, hinted):
    h = losses(config)
    hint = panel.rate_hint(h[-panel.HINT_WINDOW - 1:], min(h))
    assert (hint is not None) == hinted, hint
    if hinted:
        assert "learning rate is probably too large" in hint


def test_a_growing_loss_gets_a_hint():
    grown = [1.0] * 10 + [50.0 * k for k in range(1, 25)]
    assert "grown to" in panel.rate_hint(grown, 0.1)
    assert panel.rate_hint([0.5] * 10, 0.1) is None  # too short to tell


def test_no_activation_or_dropout_without_hidden_layers(root):
    at = apptest_pages.open_page(root, "pages/1_Playground.py")
    at.number_input(key="net.layers").set_value(0).run()
    keys = {w.key for kind in ("selectbox", "slider", "toggle") for w in getattr(at, kind)}
    assert not {"net.act", "net.per_layer", "cfg.dropout"} & keys
    assert at.session_state["pg.runner"].trainer.config.hidden == ()
    at.session_state["pg.runner"].close()
