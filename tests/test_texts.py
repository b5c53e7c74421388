"""The words the app uses, checked across every settings class, registry and help file: one
word for a neuron, and one learning-rate text that says what the rate does."""

import re
import tomllib

import pytest
from conftest import ROOT

from engine import config, gan, images, sequences
from engine.fields import Choice
from engine.optimizers import LR_HELP

SETTINGS = (config.Config, images.ImageConfig, sequences.SequenceConfig, gan.GanConfig,
            gan.DigitsGanConfig)
# "unit" as a unit of measure is fine; as a name for a neuron it is not.
MEASURE = re.compile(r"\b(data's|its|their|column's) (own )?units\b")


def _toml_texts(d: dict, where: str):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _toml_texts(v, f"{where}.{k}")
        else:
            yield f"{where}.{k}", str(v)


def app_texts() -> list[tuple[str, str]]:
    """(where, text) for every field's label and help, every option's description, every
    help.toml entry and every explanation text under assets/."""
    out = []
    for cls in SETTINGS:
        for name, f in cls.FIELDS.items():
            out += [(f"{cls.__name__}.{name}", f.label), (f"{cls.__name__}.{name}", f.help)]
            if isinstance(f, Choice) and isinstance(f.options, dict):
                out += [(f"{cls.__name__}.{name}={k}", o.description)
                        for k, o in f.options.items() if getattr(o, "description", None)]
    for path in sorted((ROOT / "assets").rglob("help.toml")):
        out += list(_toml_texts(tomllib.loads(path.read_text(encoding="utf-8")), path.name))
    for path in sorted((ROOT / "assets").rglob("*.md")):
        out.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    return out


def test_the_walk_sees_every_kind_of_text():
    where = {w.split(".")[0] for w, _ in app_texts()}
    assert {"Config", "ImageConfig", "SequenceConfig", "GanConfig", "help"} <= where
    assert len(app_texts()) > 300


def test_a_neuron_is_called_a_neuron():
    bad = [(w, t) for w, t in app_texts()
           if re.search(r"\bunits?\b", MEASURE.sub("", t), flags=re.IGNORECASE)]
    assert bad == []


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_every_learning_rate_says_what_the_rate_does(cls):
    rates = [f for n, f in cls.FIELDS.items() if n == "lr" or n.endswith("_lr")]
    assert rates, cls
    for f in rates:
        assert "how far" not in f.help.lower(), f.name
        if f.name == "lr":
            assert f.help == LR_HELP
