"""The engine's fast training path gives the numbers it gave before it was made fast.

REFERENCE holds fingerprints of the final weights (and losses) after training with the engine
as it was before the speed work (commit b86cb5f), for several networks, optimizers,
activations, outputs, losses, regularization and dropout, through `Trainer.step` and through
the public loop (`loss_and_grads` + `opt.step`). Each fingerprint is the weights' first
entries, their norm and their projection on a fixed random vector; they must agree to 1e-12.
Regenerate (only from a trusted engine): python tests/test_speed_equivalence.py
"""

import numpy as np
import pytest

from engine import Config, Trainer
from engine.layers import Dense, Dropout, Residual
from engine.model import Model
from engine.network import Network
from engine.optimizers import make_optimizer

TOL = 1e-12

# name: (Config overrides, epochs)
TRAINER_CASES = {
    "tanh-sgd": (dict(hidden=(4, 2), batch_size=10), 3),
    "tanh-adam": (dict(hidden=(8, 8, 8), batch_size=32, optimizer="adam", lr=0.01), 3),
    "relu-adam-wide": (dict(hidden=(32, 32, 32), activation="relu", batch_size=128,
                            optimizer="adam", lr=0.003, n_samples=600), 3),
    "relu-momentum-l2-dropout": (dict(hidden=(16, 8), activation="relu", optimizer="momentum",
                                      l2=0.01, dropout=0.2, batch_size=16), 3),
    "sigmoid-rmsprop-l1-softmax": (dict(dataset="blobs", n_classes=3, hidden=(6, 5),
                                        activation="sigmoid", optimizer="rmsprop", lr=0.01,
                                        l1=0.001, batch_size=25), 3),
    "regression-nesterov": (dict(dataset="plane", hidden=(7,), activation="tanh",
                                 optimizer="nesterov", lr=0.01, batch_size=8), 3),
    "tanh-out-adagrad": (dict(hidden=(5, 5), output="tanh", optimizer="adagrad", lr=0.05,
                              batch_size=30, l2=0.003), 3),
    "leaky-adamw-partial-batch": (dict(hidden=(6, 6), activation=("leaky_relu", "elu"),
                                       optimizer="adamw", lr=0.01, batch_size=7,
                                       dropout=(0.1, 0.0), l1=0.0003, l2=0.001), 3),
    "sigmoid-out-mse": (dict(hidden=(4,), output="sigmoid", loss="mse", batch_size=20,
                             optimizer="adam", lr=0.01), 3),
    "gelu-silu-spiral-k": (dict(dataset="spiral_k", n_classes=3, hidden=(8, 8),
                                activation=("gelu", "silu"), optimizer="sgd", lr=0.1,
                                batch_size=32), 2),
    "no-hidden": (dict(hidden=(), batch_size=50, features=("x1", "x2", "x1_sq", "x2_sq")), 3),
    "batch-one": (dict(hidden=(3,), batch_size=1, n_samples=100), 2),
}

# name: (sizes, activation, output, loss, optimizer, batch, l1, l2, dropout)
LOOP_CASES = {
    "loop-tanh-sgd": ([2, 4, 2, 1], "tanh", "sigmoid", None, "sgd", 10, 0.0, 0.0, 0.0),
    "loop-tanh-adam": ([2, 8, 8, 8, 1], "tanh", "sigmoid", None, "adam", 32, 0.0, 0.0, 0.0),
    "loop-relu-adam-reg": ([3, 16, 16, 2], "relu", "linear", "mse", "adam", 16, 0.001, 0.01,
                           0.0),
    "loop-softmax-momentum-dropout": ([4, 12, 3], "tanh", "softmax", None, "momentum", 12,
                                      0.0, 0.001, 0.25),
    "loop-rmsprop-halfmse": ([2, 5, 1], "sigmoid", "tanh", "half_mse", "rmsprop", 9, 0.0, 0.0,
                             0.0),
}
LOOP_STEPS = 60


def fingerprint(model) -> list[float]:
    """First six entries, the norm and the projection on a fixed random vector of the model's
    parameters in the order they had in its flat buffer when REFERENCE was made (every array
    of 2 or more axes, then the others, each group in layer order): the same numbers however
    the flat buffer is laid out now."""
    flat = np.concatenate([p.ravel() for p in model.params if p.ndim >= 2]
                          + [p.ravel() for p in model.params if p.ndim < 2])
    v = np.random.default_rng(12345).standard_normal(flat.size)
    return [*map(float, flat[:6]), float(np.linalg.norm(flat)), float(flat @ v)]


def run_trainer(name: str) -> list[float]:
    overrides, epochs = TRAINER_CASES[name]
    cfg = Config(**(dict(n_samples=300, seed=3, noise=0.1) | overrides))
    t = Trainer(cfg)
    t.run(epochs)
    k = t.steps_per_epoch // 2 + 1  # and part of an epoch, step by step
    for _ in range(k):
        t.step()
    return fingerprint(t.net) + [float(t.history["train_loss"][-1])]


def loop_data(sizes, output, n=120, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, sizes[0]))
    k = sizes[-1]
    if output == "softmax":
        y = rng.integers(0, k, n)
    elif output == "sigmoid":
        y = (X[:, 0] * X[:, -1] > 0).astype(float)
    else:
        y = np.tanh(X[:, :k] + 0.5 * X[:, -1:]).reshape(n, k)
    return X, y


def run_loop(name: str) -> list[float]:
    sizes, act, output, loss, opt_name, batch, l1, l2, drop = LOOP_CASES[name]
    net = Network(sizes, act, output, seed=7, loss=loss, dropout=drop)
    net.l1, net.l2 = l1, l2
    opt = make_optimizer(opt_name, 0.01)
    X, y = loop_data(sizes, output)
    rng = np.random.default_rng(11)
    losses = []
    for s in range(LOOP_STEPS):
        i = (s * batch) % len(X)
        value, grads = net.loss_and_grads(X[i:i + batch], y[i:i + batch], rng if drop else None)
        opt.step(net.params, grads)
        losses.append(value)
    return fingerprint(net) + [float(np.sum(losses)), losses[-1]]


def run_model() -> list[float]:
    """A Model of Dense, Dropout and Residual layers through the public loop."""
    model = Model([Dense(3, 8, "tanh"), Dropout(0.2), Residual(Dense(8, 8, "relu")),
                   Dense(8, 2)], output="softmax", seed=4)
    model.l2 = 0.01
    opt = make_optimizer("adam", 0.01)
    X, y = loop_data([3, 8, 2], "softmax", n=64, seed=8)
    rng = np.random.default_rng(2)
    total = 0.0
    for s in range(40):
        i = (s * 16) % 64
        value, grads = model.loss_and_grads(X[i:i + 16], y[i:i + 16], rng)
        opt.step(model.params, grads)
        total += value
    return fingerprint(model) + [total]


def compute(name: str) -> list[float]:
    if name in TRAINER_CASES:
        return run_trainer(name)
    if name in LOOP_CASES:
        return run_loop(name)
    return run_model()


NAMES = [*TRAINER_CASES, *LOOP_CASES, "model-residual-dropout"]

REFERENCE: dict[str, list[float]] = {
    'tanh-sgd': [
        -0.48645969795277816, -0.17957450126243812, -0.31844660202831626, -0.21783488715655785,
        0.04166340036023863, 0.813879105782035, 2.087262316441834, 2.179519514503083,
        0.6820958114412005,
    ],
    'tanh-adam': [
        -0.49470945336395766, -0.2527575252521393, -0.16671230392490546, -0.11996034293301436,
        0.1299365420530152, 0.5641237002733566, 4.624840616501785, -4.394061984416266,
        0.656953715829165,
    ],
    'relu-adam-wide': [
        -0.18125177811336093, -0.05285829290314966, -0.13449233098322713, -0.036664906551634936,
        0.05565964180636091, 0.32651258168726965, 8.353020555979436, -4.670478618576155,
        0.5550900698852149,
    ],
    'relu-momentum-l2-dropout': [
        -0.30887168519893465, -0.11971593871065153, -0.182276504202643, -0.1931396433948282,
        0.01682460381736054, 0.4055099435329363, 3.986240322104793, -2.6838098351416138,
        0.4289764533876049,
    ],
    'sigmoid-rmsprop-l1-softmax': [
        -1.0164811961574258, 0.4577941512750163, -0.8589339900441079, 0.5631858332190065,
        -0.42731637497249464, 1.266663587971585, 5.896446209948595, 4.498353027853184,
        0.6009009361662,
    ],
    'regression-nesterov': [
        -0.3550803719380334, -0.20923065546371425, -0.15219643597226923, -0.05541521634550619,
        -0.00020350174128800513, 0.6727919903781328, 1.7710553778543507, 0.5745776420365561,
        0.006397029763146037,
    ],
    'tanh-out-adagrad': [
        -0.5784595634014645, -0.22056532808744994, -0.1763396556029768, -0.1198541427119951,
        -0.017289520329718346, 0.6046079795362761, 2.5049701032748506, 0.08791835986732864,
        0.4151489462918461,
    ],
    'leaky-adamw-partial-batch': [
        -0.5273138275940061, 0.08851274480899263, -0.3452915047295924, -0.27973255433087363,
        0.22766932904120757, 0.5500010978548059, 3.16099025272283, 0.06010245664542362,
        0.38503390170736757,
    ],
    'sigmoid-out-mse': [
        -0.40208309229789024, -0.018695746574746867, -0.18337530274618957, -0.3279178759948455,
        -0.002581836047426671, 0.7954865102222385, 1.4000004146448433, 0.33136839622055814,
        0.2389828442565884,
    ],
    'gelu-silu-spiral-k': [
        -0.4172540045176281, -0.19401775072725597, -0.17049233115849388, -0.08178188325715842,
        0.04420695663667248, 0.483294425912721, 3.6967694706249836, 0.48745025080339943,
        1.1032758379978747,
    ],
    'no-hidden': [
        -0.49336820213630667, -0.1925191003193246, -0.29377339894982774, -0.14475651464374334,
        0.0855412931573028, 0.6285303160264716, 0.7460274409467638, 0.5035948614530872,
    ],
    'batch-one': [
        -0.5855284174728841, -0.1957622505596117, -0.23861230153294088, -0.031143907458728113,
        0.07967248983521545, 0.8652603941960788, 1.3038112183562836, 1.6325774198384826,
        0.6701633409287421,
    ],
    'loop-tanh-sgd': [
        0.2872699232113002, 0.7809321113722074, 0.5240555175257312, -0.5464351818876728,
        -0.378353128671857, 0.7486252500043369, 2.6197499460655895, 1.016979508978166,
        43.31805079983284, 0.761660087473618,
    ],
    'loop-tanh-adam': [
        0.3263188587856918, 0.5993281541653452, 0.49947865810758263, -0.5226019001478462,
        -0.3499597933189239, 0.6321386399250967, 5.34250717181293, 6.797846560853805,
        39.72007264033868, 0.559841469704935,
    ],
    'loop-relu-adam-reg': [
        0.06403901113179963, 0.4436907424765779, 0.25603990474442306, -0.15570301377248283,
        -0.37893350101695006, 0.2152103048590551, 3.6570910605480678, 1.761476526682527,
        13.82241194492418, 0.12358388612461423,
    ],
    'loop-softmax-momentum-dropout': [
        0.11811091051011041, 0.4933448037455923, 0.31431026402003504, -0.37172412108833625,
        -0.24511925632604742, 0.43884398577360345, 3.0790342840732885, 4.761391636236446,
        67.03805364016581, 1.1229953034366273,
    ],
    'loop-rmsprop-halfmse': [
        -0.8685876537241731, -0.41937893304768326, -0.5133001191907518, -2.001247485988787,
        1.1988121988675602, -0.1748302064545163, 3.4484304887584782, 0.6546504335663355,
        6.43383773810593, 0.016000875783893698,
    ],
    'model-residual-dropout': [
        0.45563864061619436, -0.12604883424142244, 0.6313476969906692, -0.39477373176493147,
        0.27608120034680234, -0.024164719285865957, 3.761703036280916, -0.527088748687282,
        30.687563487067187,
    ],
}


@pytest.mark.parametrize("name", NAMES)
def test_matches_the_engine_before_the_speed_work(name):
    got = compute(name)
    want = REFERENCE[name]
    assert len(got) == len(want)
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)


if __name__ == "__main__":
    print("REFERENCE: dict[str, list[float]] = {")
    for name in NAMES:
        print(f"    {name!r}: {compute(name)!r},")  # noqa: T201
    print("}")
