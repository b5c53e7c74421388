"""The pages' doors fuzzed with AppTest, as a stranger would use them: generated links to the
Playground, Compare and Digits, uploads of settings, model and CSV files to the Playground,
typed Compare values and drawings as a browser may send them to Digits. Every one ends in the
page drawn without an exception, a short message, and (when refused) the last good state
kept. Few examples each: a page run costs a fraction of a second."""

import base64
import io
import json
import string

import apptest_pages
import numpy as np
import pytest
from fuzz_inputs import JSON, ROWS, TABLES, dict_of, query_of
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import Config, ImageConfig, Trainer
from engine.config import MAX_VALUES
from engine.fields import MAX_PARAMETERS
from ui.compare.model import MAX_TOTAL_PARAMETERS

PAGE_FUZZ = settings(max_examples=4, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))
MESSAGE_MAX = 700  # characters of a message on the page (the link's words included)
RUNNERS = ("pg.runner", "cmp.runner", "dig.runner")


def close(at) -> None:
    for k in RUNNERS:
        if k in at.session_state:
            at.session_state[k].close()


def clean(at) -> list[str]:
    """The page's messages, checked: no exception, each short and without a traceback."""
    assert not at.exception, [e.message for e in at.exception]
    texts = [str(m.value) for kind in ("error", "warning", "info", "success")
             for m in getattr(at, kind)]
    for t in texts:
        assert len(t) < MESSAGE_MAX and "Traceback" not in t, t
    return texts


def trainers(at) -> list:
    out = []
    for k in RUNNERS:
        if k in at.session_state:
            r = at.session_state[k]
            out += list(getattr(r, "trainers", None) or [r.trainer])
    return out


def weights(trainer) -> int:
    return sum(m.n_params for m, _ in trainer.pairs)


# --- links --------------------------------------------------------------------------------

def open_link(root, script: str, query: dict):
    at = apptest_pages.open_page(root, script, query)
    try:
        texts = clean(at)
        built = trainers(at)
        assert built and sum(weights(t) for t in built) <= MAX_TOTAL_PARAMETERS
        assert all(weights(t) <= MAX_PARAMETERS for t in built)
        return texts
    finally:
        close(at)


@pytest.mark.parametrize("script,query,words", [
    ("pages/1_Playground.py", {"hidden": "1024," * 32}, f"limit of {MAX_PARAMETERS:,}"),
    ("pages/1_Playground.py", {"hidden": "1024,1," * 8, "n_samples": "20000"}, "limit of"),
    ("pages/2_Compare.py", {"vary": "hidden", "values": "1024,1024,1024;8"},
     f"limit of {MAX_PARAMETERS:,}"),
    ("pages/2_Compare.py", {"vary": "lr", "hidden": "300,300",  # 91,801 weights a run
                            "values": "0.1;0.01;0.001;0.03;0.003;0.3"},
     f"limit of {MAX_TOTAL_PARAMETERS:,} for one comparison"),
    ("pages/2_Compare.py", {"vary": "lr", "hidden": "100", "n_samples": "20000",
                            "values": "0.1;0.01;0.001;0.03;0.003;0.3"},
     f"limit of {MAX_VALUES:,} for one comparison"),
    ("pages/10_Digits.py", {"model": "mlp", "hidden": "256,256,256,256"}, "at most 3"),
])
def test_a_link_asking_for_too_much_says_which_limit(root, script, query, words):
    texts = open_link(root, script, query)
    assert any(words in t for t in texts), texts


PAGES = {"pages/1_Playground.py": query_of(Config),
         "pages/2_Compare.py": st.tuples(query_of(Config), st.fixed_dictionaries(
             {"vary": st.sampled_from(["hidden", "lr", "activation", "nope", ""]),
              "values": st.sampled_from(["1024,1024;8", "8;8", "x;y", ";;;;;;;;", "1e999;0",
                                         "4;" * 20]) | st.text(max_size=20),
              "target": st.sampled_from(["-1", "nan", "0.1", "x"])}),
             st.sampled_from([{}, {"kind": "digits"}, {"kind": "zzz"}]))
         .map(lambda parts: {k: v for p in parts for k, v in p.items()}),
         "pages/10_Digits.py": query_of(ImageConfig)}


@pytest.mark.parametrize("script", list(PAGES))
@PAGE_FUZZ
@given(data=st.data())
def test_generated_links_open_the_page_with_messages_only(root, script, data):
    query = {k: v for k, v in data.draw(PAGES[script]).items()
             if k and "\x00" not in k + v and k not in ("hide", "presenter")}
    open_link(root, script, query)


# --- uploads to the Playground --------------------------------------------------------------

@pytest.fixture(scope="module")
def playground(root):
    at = apptest_pages.open_page(root, "pages/1_Playground.py")
    yield at
    close(at)


@pytest.fixture(scope="module")
def model_file() -> bytes:
    t = Trainer(Config(dataset="xor", hidden=(3,), seed=2))
    t.run(2)
    return t.to_bytes()


def damaged(content: bytes, edits) -> bytes:
    data = bytearray(content)
    for where, byte in edits:
        data[int(where * len(data))] = byte
    return bytes(data)


def with_config(content: bytes, d: dict, compressed: bool = False) -> bytes:
    with np.load(io.BytesIO(content)) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["config"] = np.array(json.dumps(json.loads(str(arrays["config"])) | d))
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, **arrays)
    return buf.getvalue()


EDITS = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                 min_size=1, max_size=6)


def uploads(model: bytes):
    return st.one_of(
        st.tuples(st.just("config"), st.builds(lambda d: json.dumps(d).encode(), dict_of(Config))
                  | st.builds(lambda v: json.dumps(v).encode(), JSON)
                  | st.just(json.dumps({"hidden": [1024] * 32}).encode())
                  | st.binary(max_size=64)),
        st.tuples(st.just("model"), st.builds(lambda e: damaged(model, e), EDITS)
                  | st.builds(lambda d: with_config(model, d), dict_of(Config))
                  | st.just(with_config(model, {"hidden": [1024] * 32}))
                  | st.binary(max_size=64)),
        st.tuples(st.just("csv"), TABLES.map(str.encode)
                  | ROWS.map(lambda r: "\n".join(r).encode()) | st.binary(max_size=64)))


def state(r) -> tuple:
    t = r.trainer
    return t, t.config, t.epoch, t.model.flat.copy(), t.custom_data


@settings(max_examples=24, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), name=st.text(string.ascii_letters, min_size=1, max_size=8))
def test_uploads_end_in_a_message_and_a_refused_file_changes_nothing(playground, model_file,
                                                                     data, name):
    at = playground
    kind, content = data.draw(uploads(model_file))
    r = at.session_state["pg.runner"]
    trainer, config, epoch, flat, custom = state(r)
    filename = f"{name}.{ {'config': 'json', 'model': 'npz', 'csv': 'csv'}[kind]}"
    at.file_uploader(key=f"upload.{kind}").set_value((filename, content, "text/plain")).run()
    clean(at)
    outcome, text = at.session_state["pg.upload_note"]
    assert filename in text and len(text) < MESSAGE_MAX, text
    if outcome == "error":
        assert r.trainer is trainer and r.trainer.config == config and r.trainer.epoch == epoch
        np.testing.assert_array_equal(r.trainer.model.flat, flat)
        assert r.trainer.custom_data is custom
    else:
        assert outcome == "success", (outcome, text)
    assert weights(r.trainer) <= MAX_PARAMETERS
    at.file_uploader(key=f"upload.{kind}").set_value(None).run()


def test_the_issues_model_file_is_refused_naming_the_limit(playground, model_file):
    at = playground
    r = at.session_state["pg.runner"]
    before = r.trainer
    content = with_config(model_file, {"hidden": [1024] * 32}, compressed=True)
    assert len(content) < 4096  # a small file asking for 33 million weights
    at.file_uploader(key="upload.model").set_value(("big.npz", content, "x")).run()
    clean(at)
    outcome, text = at.session_state["pg.upload_note"]
    assert outcome == "error" and f"limit of {MAX_PARAMETERS:,}" in text, text
    assert r.trainer is before
    at.file_uploader(key="upload.model").set_value(None).run()


# --- typed Compare values and drawn digits ------------------------------------------------------

@pytest.fixture(scope="module")
def compare(root):
    at = apptest_pages.open_page(root, "pages/2_Compare.py", {"vary": "hidden"})
    yield at
    close(at)


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@example(["1024,1024,1024", "8"])
@example(["4,4", "8"])
@given(st.lists(st.sampled_from(["1024,1024,1024", "8", "4,4", "0", "-1", "x", "", "9" * 50,
                                 "256,256,256", "1e9", "8;8"]) | st.text(max_size=12),
                min_size=1, max_size=6, unique=True))
def test_typed_compare_values_are_used_or_explained(compare, values):
    at = compare
    r = at.session_state["cmp.runner"]
    before = [t.config for t in r.trainers]
    at.multiselect(key="cmp.values").set_value(values).run()
    texts = clean(at)
    after = [t.config for t in r.trainers]
    refused = [t for t in texts if t.startswith("Not applied")]
    if refused:
        assert after == before, refused
    else:
        assert len(after) == len(values), texts
    if "1024,1024,1024" in values:
        assert refused, texts
    if values == ["1024,1024,1024", "8"]:
        assert any(f"limit of {MAX_PARAMETERS:,}" in t for t in refused), texts
    assert sum(weights(t) for t in r.trainers) <= MAX_TOTAL_PARAMETERS


@pytest.fixture(scope="module")
def digits(root):
    at = apptest_pages.open_page(root, "pages/10_Digits.py")
    yield at
    close(at)


def sent(size, data) -> dict:
    return {"image": {"n": 1, "size": size, "data": data}}


DRAWINGS = st.one_of(
    st.builds(lambda n, b: sent(n, base64.b64encode(b).decode()),
              st.sampled_from([64, 8, 7, 0, -1, 100_000, "64", "x", None]),
              st.binary(max_size=64 * 64 + 10)),
    st.builds(lambda b: sent(64, base64.b64encode(b * 4096).decode()),
              st.binary(min_size=1, max_size=1)),
    st.builds(sent, st.just(64), st.text(max_size=40) | st.integers() | st.none()),
    st.builds(lambda v: {"image": v}, JSON),
    JSON)


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(DRAWINGS)
def test_whatever_the_browser_sends_as_a_drawing_the_page_stands(digits, drawing):
    at = digits
    at.session_state["dig.canvas"] = drawing
    at.run()
    clean(at)
    drawn = at.session_state["dig.drawn"] if "dig.drawn" in at.session_state else None
    assert drawn is None or np.shape(drawn) == (8, 8)
