"""One step through a recurrent cell with the engine's weights: the matrix products, each gate
and the new state, written out from the cell's formulas (torch's, as the engine's layers
follow) so the page can show them beside the engine's own hidden state for that step. Taken
from the trainer in the live panel's slow frames, so the numbers follow training."""

from dataclasses import dataclass

import numpy as np

from engine.layers import GRU, LSTM, RNN

# The cell's equations, as the page shows them (LaTeX), and each gate's rows in torch's order.
EQUATIONS = {
    "rnn": r"h_t = \tanh(\underbrace{W_{ih} x_t + b_{ih}}_{\text{from the input}} + "
           r"\underbrace{W_{hh} h_{t-1} + b_{hh}}_{\text{from the last state}})",
    "gru": r"\begin{aligned} r &= \sigma(a^{x}_r + a^{h}_r), \quad "
           r"z = \sigma(a^{x}_z + a^{h}_z), \quad n = \tanh(a^{x}_n + r \odot a^{h}_n) \\ "
           r"h_t &= (1 - z) \odot n + z \odot h_{t-1}, \qquad a^{x} = W_{ih} x_t + b_{ih}, "
           r"\; a^{h} = W_{hh} h_{t-1} + b_{hh} \end{aligned}",
    "lstm": r"\begin{aligned} i &= \sigma(a^{x}_i + a^{h}_i), \quad f = \sigma(a^{x}_f + "
            r"a^{h}_f), \quad g = \tanh(a^{x}_g + a^{h}_g), \quad o = \sigma(a^{x}_o + "
            r"a^{h}_o) \\ c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot "
            r"\tanh(c_t), \qquad a^{x} = W_{ih} x_t + b_{ih}, \; a^{h} = W_{hh} h_{t-1} + "
            r"b_{hh} \end{aligned}",
}
GATES = {"rnn": ("",), "gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}


@dataclass(frozen=True)
class CellStep:
    """Step t (0-based) of a cell on one sequence. x (d,), h_prev (H,); from_input and
    from_state: name -> (H,) the gate's rows of W_ih x_t + b_ih and W_hh h_(t-1) + b_hh
    (name '' for the RNN's one block); gates: name -> (H,) values after their nonlinearity
    (GRU r, z, n; LSTM i, f, g, o; none for the RNN); c_prev, c: the LSTM's cell state
    (else None); h (H,) the new state."""

    kind: str
    t: int
    x: np.ndarray
    h_prev: np.ndarray
    from_input: dict
    from_state: dict
    gates: dict
    c_prev: np.ndarray | None
    c: np.ndarray | None
    h: np.ndarray


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def kind_of(layer) -> str:
    for kind, cls in (("lstm", LSTM), ("gru", GRU), ("rnn", RNN)):
        if isinstance(layer, cls):
            return kind
    raise ValueError(f"{type(layer).__name__} is not a recurrent cell")


def _one(kind: str, layer, x: np.ndarray, h: np.ndarray, c: np.ndarray | None, t: int):
    H = layer.hidden_size
    ax = layer.weight_ih @ x + layer.bias_ih
    ah = layer.weight_hh @ h + layer.bias_hh
    names = GATES[kind]
    from_input = {n: ax[k * H:(k + 1) * H] for k, n in enumerate(names)}
    from_state = {n: ah[k * H:(k + 1) * H] for k, n in enumerate(names)}
    gates, c_new = {}, None
    if kind == "rnn":
        h_new = np.tanh(ax + ah)
    elif kind == "gru":
        r = _sigmoid(from_input["r"] + from_state["r"])
        z = _sigmoid(from_input["z"] + from_state["z"])
        n = np.tanh(from_input["n"] + r * from_state["n"])
        gates = {"r": r, "z": z, "n": n}
        h_new = (1 - z) * n + z * h
    else:
        i, f, o = (_sigmoid(from_input[k] + from_state[k]) for k in "ifo")
        g = np.tanh(from_input["g"] + from_state["g"])
        gates = {"i": i, "f": f, "g": g, "o": o}
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
    return CellStep(kind, t, x, h, from_input, from_state, gates, c, c_new, h_new)


def cell_step(layer, xs: np.ndarray, t: int) -> CellStep:
    """Step `t` (0-based) of recurrent `layer` (an engine RNN, GRU or LSTM) reading the
    sequence xs (T, d) from a zero state: the steps before t are run with the same formulas
    to reach h_(t-1) (and c_(t-1))."""
    kind = kind_of(layer)
    T = len(xs)
    if not 0 <= t < T:
        raise ValueError(f"the step must be 1 to {T}, not {t + 1}")
    H = layer.hidden_size
    h = np.zeros(H)
    c = np.zeros(H) if kind == "lstm" else None
    for s in range(t + 1):
        step = _one(kind, layer, np.asarray(xs[s], dtype=np.float64), h, c, s)
        h, c = step.h, step.c
    return step


@dataclass(frozen=True)
class Walk:
    """What the page shows of one step: the step (`step`, 0-based `t` in it), the sequence and
    the layer (0-based) it was taken from, a text of the input x_t, and the engine's own h_t for
    that step beside the one computed here."""

    step: CellStep
    chosen: int
    layer: int
    x_text: str
    engine_h: np.ndarray


def from_trainer(t, chosen: int, layer: int, step: int, states: list[np.ndarray]) -> Walk:
    """Step `step` (0-based) of recurrent layer `layer` (0-based) of SequenceTrainer `t` on
    test sequence `chosen`, with its current weights; `states` are t.hidden_states(chosen)
    (each layer's (H, T)), the input of a second layer and the engine's h_t."""
    cell = [x for x in t.model.layers if isinstance(x, RNN | GRU | LSTM)][layer]
    x = t.test.inputs[chosen]
    alphabet = t.task.alphabet
    if layer:
        xs = states[layer - 1].T
    elif t.task.vocab_size:
        xs = np.eye(t.task.vocab_size)[x]
    else:
        xs = x
    s = cell_step(cell, xs, step)
    if layer:
        shown = f"layer {layer}'s h_t (first column)"
    else:
        shown = f"({', '.join(f'{v:.3f}' for v in np.asarray(s.x, dtype=np.float64))})"
        if alphabet is not None:
            shown = f"token '{alphabet[int(x[step])]}' as a one-hot vector"
    return Walk(s, chosen, layer, shown, states[layer][:, step].copy())


def columns(w: Walk) -> dict[str, np.ndarray]:
    """The table's columns, in the order of the computation: (a second layer's input,) the last
    state, each gate's two products (plus their biases: a^x = W_ih x_t + b_ih and
    a^h = W_hh h_(t-1) + b_hh of the formulas), the gates, the new cell state and state, and the
    engine's own h_t."""
    s = w.step
    cols = {"x_t": s.x} if w.layer else {}
    cols["h_(t-1)"] = s.h_prev
    if s.c_prev is not None:
        cols["c_(t-1)"] = s.c_prev
    for name in s.from_input:  # a GRU's and an LSTM's as a^x_gate, a^h_gate of the formulas
        cols[f"a<sup>x</sup><sub>{name}</sub>" if name else "W_ih x_t<br>+ b_ih"] = \
            s.from_input[name]
        cols[f"a<sup>h</sup><sub>{name}</sub>" if name else "W_hh h_(t-1)<br>+ b_hh"] = \
            s.from_state[name]
    cols |= {f"gate {name}": v for name, v in s.gates.items()}
    if s.c is not None:
        cols["c_t"] = s.c
    cols["h_t"] = s.h
    cols["h_t<br>(engine)"] = w.engine_h
    return cols
