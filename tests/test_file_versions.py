"""Model files of version 1 (every weight array first, then every 1-D array, in the flat
vectors) still load, and resume as the engine that wrote them would have.

tests/data/format_v1/ holds files saved by the engine at commit a03285c: `points.npz` (the 2-D
Trainer, [2+, 4, 3, 1] tanh with Adam, early stopping on) and `images.npz` (the Digits
ImageTrainer's default CNN: convolution weights, biases and dense layers), each after two
epochs and three steps. `expected.npz` holds, from that engine, every model's parameters in
`params` order when saved (`<kind>_saved<k>`) and after a further epoch and five steps
(`<kind>_after<k>`)."""

import io
from pathlib import Path

import numpy as np
import pytest

from engine import Trainer
from engine.images import ImageTrainer
from engine.network import Network

DATA = Path(__file__).parent / "data" / "format_v1"
KINDS = {"points": Trainer, "images": ImageTrainer}


def params_vector(model) -> np.ndarray:
    return np.concatenate([p.ravel() for p in model.params])


@pytest.mark.parametrize("kind", list(KINDS))
def test_version_1_files_load_and_resume_as_their_engine_would(kind):
    cls = KINDS[kind]
    expected = np.load(DATA / "expected.npz")
    raw = np.load(DATA / f"{kind}.npz")
    assert str(raw["format"]).endswith("-v1") and cls.FORMAT.endswith("-v2")
    t = cls.load(DATA / f"{kind}.npz")
    for name, value in cls.V1_SETTINGS.items():  # settings version 1 did not have
        assert getattr(t.config, name) == value
    for k, (m, _) in enumerate(t.pairs):
        np.testing.assert_array_equal(params_vector(m), expected[f"{kind}_saved{k}"])
        # The file's flat vector was in the old order: the loaded one is not the file's.
        assert not np.array_equal(m.flat, raw["flat"])
    for _ in range(t.steps_per_epoch + 5):  # the optimizer's buffers were reordered too
        t.step()
    for k, (m, _) in enumerate(t.pairs):
        np.testing.assert_allclose(params_vector(m), expected[f"{kind}_after{k}"], rtol=1e-12,
                                   atol=1e-12)


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_loaded_version_1_file_saves_as_version_2_and_reloads_the_same(kind):
    cls = KINDS[kind]
    t = cls.load(DATA / f"{kind}.npz")
    data = t.to_bytes()
    assert str(np.load(io.BytesIO(data))["format"]) == cls.FORMAT
    u = cls.load(data)
    for (a, oa), (b, ob) in zip(t.pairs, u.pairs, strict=True):
        assert a.flat.tobytes() == b.flat.tobytes()
        for name in oa.state_dict()["buffers"] or {}:
            assert oa.state_dict()["buffers"][name][0].tobytes() == \
                ob.state_dict()["buffers"][name][0].tobytes()
    for x in (t, u):
        for _ in range(3):
            x.step()
    assert all(a.flat.tobytes() == b.flat.tobytes()
               for (a, _), (b, _) in zip(t.pairs, u.pairs, strict=True))


def test_legacy_order_maps_version_1_to_the_layer_by_layer_layout():
    net = Network([3, 5, 2], seed=1)
    old = np.concatenate([p.ravel() for p in net.params if p.ndim >= 2]
                         + [p.ravel() for p in net.params if p.ndim < 2])
    np.testing.assert_array_equal(old[net.legacy_order()], net.flat)
    np.testing.assert_array_equal(net.flat, np.concatenate([p.ravel() for p in net.params]))
