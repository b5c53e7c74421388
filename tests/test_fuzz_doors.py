"""Outside input through the engine's doors, as a stranger would send it: generated links,
settings files, model files and CSV tables for every settings class and trainer. Each either
works or raises a ValueError with a short readable message (never another exception), and a
network beyond the limits is refused from the settings alone, before anything is allocated.
"""

import io
import json
import tomllib
import tracemalloc
import warnings

import numpy as np
import pytest
from fuzz_inputs import JSON, ROWS, TABLES, dict_of, query_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import (
    Config,
    GanConfig,
    GanTrainer,
    ImageConfig,
    ImageTrainer,
    SequenceConfig,
    SequenceTrainer,
    Trainer,
    from_points,
    load_csv,
    saving,
)
from engine.config import MAX_VALUES
from engine.fields import MAX_JSON, MAX_PARAMETERS
from engine.gan import DigitsGanConfig, DigitsGanTrainer
from engine.images import build_model as image_model
from engine.sequences import build_model as sequence_model

CLASSES = (Config, ImageConfig, SequenceConfig, GanConfig, DigitsGanConfig)
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
MESSAGE_MAX = 400  # characters a message may have


def readable(e: Exception) -> str:
    """The message of `e`, checked to be a short ValueError."""
    assert type(e) is ValueError, f"{type(e).__name__}: {e}"
    text = str(e)
    assert 0 < len(text) < MESSAGE_MAX and "Traceback" not in text, text
    return text


def allocated_while(fn) -> int:
    """Peak bytes allocated (as tracemalloc sees them) while fn() runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- links and settings files -------------------------------------------------------------------

@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@FUZZ
@given(data=st.data())
def test_a_link_gives_valid_settings_and_readable_warnings(cls, data):
    query = data.draw(query_of(cls))
    config, warnings = cls.from_query(query)
    assert isinstance(config, cls)
    assert config.parameters() <= cls.MAX_PARAMETERS
    for w in warnings:
        assert isinstance(w, str) and 0 < len(w) < MESSAGE_MAX, w
    assert cls.from_query(config.to_query()) == (config, [])


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@FUZZ
@given(data=st.data())
def test_a_settings_file_is_read_or_refused_with_a_message(cls, data):
    d = data.draw(dict_of(cls))
    text = data.draw(st.sampled_from([json.dumps(d), json.dumps(d)[:-1], json.dumps([d]),
                                      "[" * 100_000, json.dumps(d).replace(":", "=")]))
    try:
        config = cls.from_json(text)
    except Exception as e:  # noqa: BLE001 - the check is that it is a readable ValueError
        readable(e)
        return
    assert cls.from_json(config.to_json()) == config
    assert config.parameters() <= cls.MAX_PARAMETERS


def test_a_huge_settings_file_is_refused_before_it_is_parsed():
    text = json.dumps({"seed": 1, "pad": "x" * MAX_JSON})
    with pytest.raises(ValueError, match="limit of 1 MB"):
        Config.from_json(text)


def test_deeply_nested_json_is_refused_with_a_message():
    for cls in CLASSES:
        with pytest.raises(ValueError, match="nested too deeply"):
            cls.from_json('{"hidden": ' + "[" * 100_000 + "]" * 100_000 + "}")


# --- the parameter limit --------------------------------------------------------------------

def test_the_issues_network_is_refused_naming_the_limit():
    """32 layers of 1,024 units are within the widths' own limits; as a network they are 33
    million weights, over the limit, and nothing is built to find that out."""
    def make():
        with pytest.raises(ValueError) as e:
            Config(hidden=[1024] * 32)
        text = readable(e.value)
        assert f"{MAX_PARAMETERS:,}" in text and "32,541,697" in text, text

    assert allocated_while(make) < 1 << 20


def test_points_times_neurons_are_limited_from_the_settings():
    # 25,610 weights only, but 20,000 points through 8,200 neurons: measured 2.6 GB at once.
    with pytest.raises(ValueError) as e:
        Config(hidden=[1024, 1] * 8, n_samples=20_000)
    assert f"{MAX_VALUES:,}" in readable(e.value)
    c = Config(hidden=(64,) * 4, n_samples=20_000)  # bench_engine's largest case still fits
    assert 20_000 * 256 <= MAX_VALUES and c.parameters() == 12_737
    with pytest.raises(ValueError, match="up to 20,000 points of your own"):
        Config(dataset="custom", hidden=(512,))


HUGE = {  # settings each class accepts but, under a lowered limit, must refuse
    Config: {"hidden": [64, 64]},
    ImageConfig: {"model": "mlp", "hidden": [256, 256]},
    SequenceConfig: {"model": "lstm", "hidden": 64, "layers": 2},
    GanConfig: {"g_hidden": [64] * 4, "d_hidden": [64] * 4},
    DigitsGanConfig: {"g_hidden": [128] * 4, "d_hidden": [128] * 4},
}
TRAINERS = {Config: Trainer, ImageConfig: ImageTrainer, SequenceConfig: SequenceTrainer,
            GanConfig: GanTrainer, DigitsGanConfig: DigitsGanTrainer}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_settings_class_refuses_a_network_over_its_limit(cls, monkeypatch):
    big = cls.from_dict(HUGE[cls])
    small = cls()
    assert big.parameters() > small.parameters() > 0
    content = saving.to_bytes(TRAINERS[cls](small.replace(max_epochs=1)))
    monkeypatch.setattr(cls, "MAX_PARAMETERS", big.parameters() - 1)
    with pytest.raises(ValueError) as e:
        cls.from_dict(HUGE[cls])
    assert f"{big.parameters() - 1:,}" in readable(e.value)
    config, warnings = cls.from_query(big.to_query())
    assert config.parameters() < big.parameters() and warnings
    # A model file asking for it is refused before anything is built for it.
    with np.load(io.BytesIO(content)) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["config"] = np.array(json.dumps(small.to_dict() | HUGE[cls]))
    buf = io.BytesIO()
    np.savez(buf, **arrays)

    def load():
        with pytest.raises(ValueError, match="config is not valid.*limit"):
            TRAINERS[cls].load(buf.getvalue())

    assert allocated_while(load) < 1 << 20


def small_settings(cls):
    """Valid settings of `cls` from drawn network fields (invalid combinations are skipped)."""
    widths = st.lists(st.integers(1, 40), max_size=3)
    fields = {
        Config: dict(dataset=st.sampled_from(["circle", "blobs", "plane", "iris", "wine",
                                              "breast_cancer", "diabetes", "spiral_k"]),
                     hidden=widths, n_classes=st.integers(2, 8),
                     features=st.sampled_from([["x1", "x2"], ["x1", "x2", "x1^2", "sin_x1"],
                                               ["x1x2"]])),
        ImageConfig: dict(model=st.sampled_from(["mlp", "cnn"]), hidden=widths,
                          filters=st.lists(st.integers(2, 16), min_size=1, max_size=2),
                          kernel=st.sampled_from([3, 5]), padding=st.booleans(),
                          dense=st.lists(st.integers(1, 40), max_size=1)),
        SequenceConfig: dict(task=st.sampled_from(list(SequenceConfig.FIELDS["task"].names)),
                             model=st.sampled_from(["rnn", "gru", "lstm", "transformer"]),
                             hidden=st.integers(1, 64), layers=st.integers(1, 2),
                             dim=st.sampled_from([8, 16, 24]), heads=st.sampled_from([1, 2]),
                             blocks=st.integers(1, 2), ff=st.integers(8, 64),
                             position=st.sampled_from(["learned", "sinusoidal", "none"])),
        GanConfig: dict(g_hidden=widths, d_hidden=widths, noise_dim=st.integers(1, 2)),
        DigitsGanConfig: dict(g_hidden=widths, d_hidden=widths, noise_dim=st.integers(1, 32)),
    }[cls]
    return st.fixed_dictionaries(fields)


def built_parameters(config) -> int:
    if isinstance(config, Config):
        return Trainer(config).net.n_params
    if isinstance(config, ImageConfig):
        return image_model(config).n_params
    if isinstance(config, SequenceConfig):
        return sequence_model(config).n_params
    t = TRAINERS[type(config)](config.replace(n_samples=200) if isinstance(config, GanConfig)
                               else config)
    return t.generator.n_params + t.discriminator.n_params


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data())
def test_parameters_counted_from_the_settings_are_the_built_networks(cls, data):
    d = data.draw(small_settings(cls))
    try:
        config = cls.from_dict(d)
    except ValueError:
        return  # e.g. an embedding size the heads do not divide
    assert config.parameters() == built_parameters(config)


# --- model files ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_files() -> dict[str, bytes]:
    out = {}
    for name, t in {"2-D": Trainer(Config(n_samples=60, hidden=(3,), optimizer="adam")),
                    "images": ImageTrainer(ImageConfig(model="mlp", hidden=(4,))),
                    "gan": GanTrainer(GanConfig(n_samples=200, g_hidden=(4,), d_hidden=(4,))),
                    "sequences": SequenceTrainer(SequenceConfig(hidden=4, n_train=32, n_test=32))
                    }.items():
        t.step()
        out[name] = t.to_bytes()
    return out


LOADERS = {"2-D": Trainer, "images": ImageTrainer, "gan": GanTrainer,
           "sequences": SequenceTrainer}


def loads_or_says_why(cls, content) -> None:
    try:
        cls.load(content)
    except Exception as e:  # noqa: BLE001 - the check is that it is a readable ValueError
        assert "model file" in readable(e)


@pytest.mark.parametrize("name", list(LOADERS))
@FUZZ
@given(edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                      min_size=1, max_size=8),
       cut=st.none() | st.floats(0, 1))
def test_damaged_model_files_are_refused_with_a_message(good_files, name, edits, cut):
    data = bytearray(good_files[name])
    for where, byte in edits:
        data[int(where * len(data))] = byte
    if cut is not None:
        data = data[:int(cut * len(data))]
    loads_or_says_why(LOADERS[name], bytes(data))


@pytest.mark.parametrize("name", list(LOADERS))
@FUZZ
@given(data=st.data())
def test_model_files_with_strange_members_are_refused_with_a_message(good_files, name, data):
    with np.load(io.BytesIO(good_files[name])) as z:
        arrays = {k: z[k] for k in z.files}
    member = data.draw(st.sampled_from(sorted(arrays)))
    value = data.draw(
        st.builds(lambda v: np.array(json.dumps(v)), JSON)
        | st.builds(lambda d: np.array(json.dumps(json.loads(str(arrays["config"])) | d)),
                    dict_of(LOADERS[name].SETTINGS))
        | st.builds(lambda d: np.array(json.dumps(json.loads(str(arrays["state"])) | d)),
                    st.dictionaries(st.text(max_size=10), JSON, max_size=3))
        | st.builds(np.array, st.lists(st.floats(), max_size=5))
        | st.builds(np.array, st.text(max_size=20))
        | st.just(np.zeros((2, 3, 0)))
        | st.just(None))
    if value is None:
        del arrays[member]
    else:
        arrays[member] = value
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    loads_or_says_why(LOADERS[name], buf.getvalue())


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_are_not_a_model_file(content):
    loads_or_says_why(Trainer, content)
    loads_or_says_why(Trainer, b"PK\x03\x04" + content)


def test_a_model_file_over_the_size_limit_is_refused_before_it_is_read():
    content = bytes(saving.MAX_FILE_BYTES + 1)

    def load():
        with pytest.raises(ValueError, match="32.0 MB, over the limit of 32 MB"):
            Trainer.load(content)
        with pytest.raises(ValueError, match="over the limit"):
            Trainer.load(io.BytesIO(content))

    assert allocated_while(load) < 1 << 20


def test_a_model_file_with_too_many_points_of_its_own_is_refused():
    data = from_points(np.random.default_rng(0).normal(size=(100, 2)), np.arange(100) % 2)
    t = Trainer(Config(dataset="custom", hidden=(3,)), data)
    with np.load(io.BytesIO(t.to_bytes())) as z:
        arrays = {k: z[k] for k in z.files}
    n = 30_000
    arrays |= {"data_X_train": np.zeros((n, 2)), "data_y_train": np.zeros(n, dtype=np.int64)}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with pytest.raises(ValueError, match="beyond ±1e100"):
        load_csv("x1,x2,label\n1,2,0\n1e101,3,1\n")
    with pytest.raises(ValueError, match="over the limit of 20,000"):
        Trainer.load(buf.getvalue())


# --- CSV tables and points --------------------------------------------------------------------

@FUZZ
@given(rows=ROWS, sep=st.sampled_from(["\n", "\r\n", "\r"]), raw=st.binary(max_size=200))
def test_a_csv_is_read_or_refused_with_a_message(rows, sep, raw):
    for content in (sep.join(rows), sep.join(rows).encode() + raw, raw):
        try:
            data = load_csv(content)
        except Exception as e:  # noqa: BLE001 - the check is that it is a readable ValueError
            readable(e)
            continue
        n = len(data.X_train) + len(data.X_test)
        assert 2 <= n <= 40 and np.isfinite(data.X_train).all()


@FUZZ
@given(TABLES)
def test_a_table_that_loads_trains_and_draws(text):
    try:
        data = load_csv(text)
    except Exception as e:  # noqa: BLE001 - the check is that it is a readable ValueError
        readable(e)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        try:  # e.g. a column with one value in the training rows cannot be standardized
            t = Trainer(Config(dataset="custom", hidden=(3,), batch_size=4), data)
        except Exception as e:  # noqa: BLE001 - the check is that it is a readable ValueError
            readable(e)
            return
        t.run(2)
        grid = t.predict_grid(8)
    assert grid.shape[:2] == (8, 8)
    assert np.isfinite(t.net.flat).all() or t.status == "diverged"


def test_csv_limits_name_themselves():
    wide = ",".join(f"c{i}" for i in range(60)) + ",label\n"
    with pytest.raises(ValueError, match="at most 50"):
        load_csv(wide + ",".join(["1"] * 61))
    long = "x1,x2,label\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(10_001))
    with pytest.raises(ValueError, match="the limit is 10,000"):
        load_csv(long)
    with pytest.raises(ValueError, match="over the limit of 2 MB"):
        load_csv(b"1,2,0\n" * 400_000)
    with pytest.raises(ValueError, match="beyond ±1e100"):
        load_csv("x1,x2,label\n1,2,0\n1e101,3,1\n")
    with pytest.raises(ValueError, match="over the limit of 20,000"):
        from_points(np.zeros((20_001, 2)) + np.arange(20_001)[:, None], np.arange(20_001) % 2)


def test_streamlits_upload_limit_is_the_model_files(root):
    """The server refuses an upload over maxUploadSize (MB) itself; the app's own checks say
    why in words: a model file at most as large, settings and CSV files smaller."""
    with open(root / ".streamlit" / "config.toml", "rb") as f:
        mb = tomllib.load(f)["server"]["maxUploadSize"]
    assert mb << 20 == saving.MAX_FILE_BYTES
    assert MAX_JSON < saving.MAX_FILE_BYTES and 2_000_000 < saving.MAX_FILE_BYTES
