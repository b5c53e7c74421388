"""Tests for engine.optimizers: each update rule restated from torch.optim's documentation and
compared over several steps (with the learning rate and a hyperparameter changed between steps),
buffer ownership, make_optimizer's defaults and messages, and state_dict round trips."""

import copy

import numpy as np
import pytest

from engine.optimizers import OPTIMIZERS, make_optimizer

NAMES = list(OPTIMIZERS)
SHAPES = [(3, 4), (4,), (2, 3, 2), (1,)]

# torch.optim's defaults as the issue fixes them (torch's own SGD has momentum 0).
TORCH_DEFAULTS = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8},
    "adagrad": {"eps": 1e-10},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
}


# --- the update rules, restated -------------------------------------------------------------

class Reference:
    """torch.optim's documented algorithms on one array, written out independently.

    `step(p, g, lr, h)` returns the new p; h holds the hyperparameters of this step."""

    def __init__(self, name):
        self.name, self.t, self.state = name, 0, {}

    def step(self, p, g, lr, h):
        self.t += 1
        s, t = self.state, self.t
        if self.name == "sgd":
            return p - lr * g
        if self.name in ("momentum", "nesterov"):
            # torch.optim.SGD, dampening 0: b_1 = g; b_t = mu b_{t-1} + g
            mu = h["momentum"]
            s["b"] = g.copy() if t == 1 else mu * s["b"] + g
            d = g + mu * s["b"] if self.name == "nesterov" else s["b"]
            return p - lr * d
        if self.name == "rmsprop":  # centered False, momentum 0
            s["v"] = h["alpha"] * s.get("v", 0.0) + (1 - h["alpha"]) * g**2
            return p - lr * g / (np.sqrt(s["v"]) + h["eps"])
        if self.name == "adagrad":  # lr_decay 0, initial accumulator 0
            s["sum"] = s.get("sum", 0.0) + g**2
            return p - lr * g / (np.sqrt(s["sum"]) + h["eps"])
        if self.name in ("adam", "adamw"):
            if self.name == "adamw":
                p = p * (1 - lr * h["weight_decay"])
            b1, b2 = h["beta1"], h["beta2"]
            s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
            s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g**2
            m_hat = s["m"] / (1 - b1**t)
            v_hat = s["v"] / (1 - b2**t)
            return p - lr * m_hat / (np.sqrt(v_hat) + h["eps"])
        raise AssertionError(f"no restated update rule for optimizer {self.name!r}; add one")


def changed_hyper(name):
    """A different, valid value for the optimizer's first hyperparameter (or {} for none)."""
    hyper = OPTIMIZERS[name].hyper
    if not hyper:
        return {}
    key, h = next(iter(hyper.items()))
    return {key: (h.low + h.default) / 2}


def problem(seed=0, steps=6):
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) for s in SHAPES]
    grads = [[rng.normal(size=s) * rng.uniform(0.1, 3) for s in SHAPES] for _ in range(steps)]
    return params, grads


@pytest.mark.parametrize("name", NAMES)
def test_update_rule_matches_the_restated_one(name):
    params, grads = problem()
    opt = make_optimizer(name, 0.05)
    hyper = dict(TORCH_DEFAULTS[name])
    refs = [Reference(name) for _ in params]
    expected = [p.copy() for p in params]
    lr = 0.05
    for step, g in enumerate(grads):
        if step == 2:  # the learning rate changes between steps
            lr = opt.lr = 0.2
        if step == 4:  # and so does a hyperparameter
            for k, v in changed_hyper(name).items():
                hyper[k] = v
                setattr(opt, k, v)
        opt.step(params, g)
        expected = [r.step(e, gi, lr, hyper) for r, e, gi in zip(refs, expected, g, strict=True)]
        for p, e in zip(params, expected, strict=True):
            np.testing.assert_allclose(p, e, rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name}, step {step + 1}")
    assert opt.t == len(grads)


@pytest.mark.parametrize("name", NAMES)
def test_rule_is_not_trivially_sgd(name):
    # The restated comparison is only meaningful if the rules differ: a momentum optimizer
    # that forgot its buffer would still match plain SGD after one step.
    params, grads = problem(seed=1)
    opt, sgd = make_optimizer(name, 0.1), make_optimizer("sgd", 0.1)
    p_sgd = [p.copy() for p in params]
    for g in grads:
        opt.step(params, g)
        sgd.step(p_sgd, g)
    differs = any(not np.allclose(p, q) for p, q in zip(params, p_sgd, strict=True))
    assert differs == (name != "sgd")


def test_every_optimizer_has_a_restated_rule_and_defaults():
    assert set(TORCH_DEFAULTS) == set(OPTIMIZERS)
    for name in NAMES:
        Reference(name).step(np.zeros(2), np.ones(2), 0.1, TORCH_DEFAULTS[name] or {})


@pytest.mark.parametrize("name", NAMES)
def test_defaults_are_torchs(name):
    opt = make_optimizer(name, 0.01)
    assert opt.lr == 0.01 and opt.name == name and opt.t == 0
    for k, v in TORCH_DEFAULTS[name].items():
        assert getattr(opt, k) == v
    spec = OPTIMIZERS[name]
    assert {k: h.default for k, h in spec.hyper.items()} == TORCH_DEFAULTS[name]
    for h in spec.hyper.values():
        assert h.low <= h.default <= h.high and h.label and h.help
    assert spec.label and spec.description


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_first_step_is_lr_times_sign(name):
    # With bias correction the first Adam step is lr * g / (|g| + eps): about lr * sign(g).
    p = np.array([1.0, 1.0, 1.0])
    g = np.array([1e-3, -2.0, 50.0])
    opt = make_optimizer(name, 0.1, weight_decay=0.0) if name == "adamw" else \
        make_optimizer(name, 0.1)
    opt.step([p], [g])
    np.testing.assert_allclose(p, 1.0 - 0.1 * np.sign(g), rtol=1e-5)


def test_adamw_decays_every_parameter_even_with_zero_gradient():
    p = [np.full(3, 2.0), np.full((2, 2), -4.0)]
    opt = make_optimizer("adamw", 0.1, weight_decay=0.5)
    opt.step(p, [np.zeros(3), np.zeros((2, 2))])
    np.testing.assert_allclose(p[0], 2.0 * (1 - 0.05))
    np.testing.assert_allclose(p[1], -4.0 * (1 - 0.05))
    p = [np.full(3, 2.0)]
    make_optimizer("adam", 0.1).step(p, [np.zeros(3)])
    np.testing.assert_array_equal(p[0], 2.0)  # plain Adam has no decay


# --- ownership ------------------------------------------------------------------------------

def referenced_arrays(obj, seen=None):
    """Every ndarray reachable from obj through attributes, dicts, lists and tuples."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, list | tuple):
        items = list(obj)
    elif hasattr(obj, "__dict__"):
        items = list(vars(obj).values())
    else:
        return []
    return [a for item in items for a in referenced_arrays(item, seen)]


@pytest.mark.parametrize("name", NAMES)
def test_optimizer_updates_in_place_and_owns_only_its_buffers(name):
    params, grads = problem()
    ids = [id(p) for p in params]
    addresses = [p.__array_interface__["data"][0] for p in params]
    opt = make_optimizer(name, 0.1)
    for g in grads[:3]:
        opt.step(params, g)
    assert [id(p) for p in params] == ids
    assert [p.__array_interface__["data"][0] for p in params] == addresses
    for arr in referenced_arrays(opt):
        for p in params + [g for gs in grads for g in gs]:
            assert not np.shares_memory(arr, p), "the optimizer keeps a reference to a param"
    buffers = referenced_arrays(opt.buffers or {})
    assert len(buffers) == len(OPTIMIZERS[name].cls.buffer_names) * len(params)
    # A copy of the optimizer (as after unpickling) drives whatever params it is given.
    clone = copy.deepcopy(opt)
    p1, p2 = [p.copy() for p in params], [p.copy() for p in params]
    opt.step(p1, grads[3])
    clone.step(p2, grads[3])
    for a, b in zip(p1, p2, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not any(np.array_equal(a, p) for a, p in zip(p1, params, strict=True))


# --- make_optimizer ---------------------------------------------------------------------------

def test_unknown_optimizer_lists_the_valid_ones():
    with pytest.raises(ValueError) as e:
        make_optimizer("adamax", 0.1)
    message = str(e.value)
    assert "'adamax'" in message
    for name in NAMES:
        assert name in message


def test_unknown_hyperparameter_names_it_and_lists_the_allowed_ones():
    with pytest.raises(ValueError, match="Adam has no hyperparameter momentum; it takes: "
                                         "beta1, beta2, eps"):
        make_optimizer("adam", 0.1, momentum=0.9)
    with pytest.raises(ValueError, match="SGD has no hyperparameter alpha, momentum; it takes: "
                                         "none"):
        make_optimizer("sgd", 0.1, momentum=0.9, alpha=0.5)


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_learning_rate_must_be_positive_and_finite(lr):
    with pytest.raises(ValueError, match="the learning rate must be a positive number"):
        make_optimizer("sgd", lr)


@pytest.mark.parametrize("name", [n for n in NAMES if OPTIMIZERS[n].hyper])
def test_hyperparameters_out_of_range(name):
    for key, h in OPTIMIZERS[name].hyper.items():
        for bad in (h.low - abs(h.low) - 1e-3, h.high + abs(h.high) + 1e-3, float("nan")):
            with pytest.raises(ValueError, match=f"{h.label} must be between {h.low:g} and "
                                                 f"{h.high:g}, not {bad:g}"):
                make_optimizer(name, 0.1, **{key: bad})
        for ok in (h.low, h.high):
            assert getattr(make_optimizer(name, 0.1, **{key: ok}), key) == ok


# --- state_dict -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_continues_identically(name):
    params, grads = problem(steps=8)
    opt = make_optimizer(name, 0.03)
    for g in grads[:4]:
        opt.step(params, g)
    state = opt.state_dict()
    saved = [p.copy() for p in params]
    for g in grads[4:]:
        opt.step(params, g)

    fresh = make_optimizer(name, 0.03)
    fresh.load_state_dict(state)
    for g in grads[4:]:
        fresh.step(saved, g)
    for a, b in zip(params, saved, strict=True):
        assert a.tobytes() == b.tobytes()
    assert fresh.t == opt.t == 8
    # state_dict and load_state_dict copy: neither side aliases the other's buffers.
    for arr in referenced_arrays(state):
        for buf in referenced_arrays(opt.buffers or {}) + referenced_arrays(fresh.buffers or {}):
            assert not np.shares_memory(arr, buf)


def test_state_dict_before_any_step():
    opt = make_optimizer("adam", 0.1)
    assert opt.state_dict() == {"t": 0, "buffers": None}
    other = make_optimizer("adam", 0.1)
    other.load_state_dict(opt.state_dict())
    p1, p2 = [np.ones(3)], [np.ones(3)]
    opt.step(p1, [np.arange(3.0)])
    other.step(p2, [np.arange(3.0)])
    np.testing.assert_array_equal(p1[0], p2[0])


# --- PyTorch as an oracle, when it is installed ----------------------------------------------

def torch_optimizer(torch, name, tensors, lr):
    o = torch.optim
    make = {
        "sgd": lambda: o.SGD(tensors, lr=lr),
        "momentum": lambda: o.SGD(tensors, lr=lr, momentum=0.9),
        "nesterov": lambda: o.SGD(tensors, lr=lr, momentum=0.9, nesterov=True),
        "rmsprop": lambda: o.RMSprop(tensors, lr=lr, alpha=0.99, eps=1e-8),
        "adagrad": lambda: o.Adagrad(tensors, lr=lr, eps=1e-10),
        "adam": lambda: o.Adam(tensors, lr=lr, betas=(0.9, 0.999), eps=1e-8),
        "adamw": lambda: o.AdamW(tensors, lr=lr, betas=(0.9, 0.999), eps=1e-8,
                                 weight_decay=0.01),
    }
    assert set(make) == set(OPTIMIZERS), "add the torch equivalent of the new optimizer"
    return make[name]()


@pytest.mark.parametrize("name", NAMES)
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    params, grads = problem(seed=3)
    tensors = [torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True) for p in params]
    topt = torch_optimizer(torch, name, tensors, 0.05)
    opt = make_optimizer(name, 0.05)
    for step, g in enumerate(grads):
        if step == 3:
            opt.lr = 0.1
            for group in topt.param_groups:
                group["lr"] = 0.1
        for t, gi in zip(tensors, g, strict=True):
            t.grad = torch.tensor(gi, dtype=torch.float64)
        topt.step()
        opt.step(params, g)
        for p, t in zip(params, tensors, strict=True):
            np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-10, atol=1e-14,
                                       err_msg=f"{name}, step {step + 1}")
