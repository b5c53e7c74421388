"""What hidden layers see: every neuron's output over the input plane, and the input plane
itself carried through the network to the plane of two neurons of one layer (a warped grid)."""

from dataclasses import dataclass

import numpy as np

from engine import DATASETS, Config, Trainer

# Classification datasets only: the points are coloured by class.
CHOICES = [name for name, spec in DATASETS.items() if spec.task != "regression"]
ARCHITECTURES = [(8, 8, 2), (6, 4), (4, 2), (8,), (3,)]
DEFAULT_DATASET, DEFAULT_ACTIVATION = "circle", "tanh"
N_SAMPLES, NOISE, EPOCHS, LR, BATCH = 300, 0.1, 200, 0.01, 10
MAP_RES = 40  # neuron maps: MAP_RES x MAP_RES points
N_LINES, LINE_RES = 13, 120  # the warped grid: lines per direction, points per line


@dataclass(frozen=True)
class HiddenResult:
    """A trained network, seen from inside: plain arrays, so st.cache_data can keep it."""

    dataset: str
    hidden: tuple[int, ...]
    activation: str
    output: str
    task: str
    bounds: tuple[float, float, float, float]
    maps: list[np.ndarray]  # per layer (hidden..., output): (units, MAP_RES, MAP_RES)
    lines: np.ndarray  # (2 * N_LINES, LINE_RES, 2): the grid lines in input space
    line_outputs: list[np.ndarray]  # per layer: (2 * N_LINES, LINE_RES, units)
    X: np.ndarray  # (n, 2) all data points, training first
    y: np.ndarray  # (n,)
    data_outputs: list[np.ndarray]  # per layer: (n, units)
    out_weights: np.ndarray  # the output layer's W (last hidden width, outputs)
    out_bias: np.ndarray
    train_accuracy: float
    test_accuracy: float
    epochs: int
    axes: tuple[str, str] = ("x₁", "x₂")  # a real table's column names


def config(dataset: str = DEFAULT_DATASET, hidden=(8, 8, 2), activation: str = DEFAULT_ACTIVATION,
           seed: int = 0) -> Config:
    return Config(dataset=dataset, n_samples=N_SAMPLES, noise=NOISE, hidden=tuple(hidden),
                  activation=activation, optimizer="adam", lr=LR, batch_size=BATCH,
                  max_epochs=EPOCHS, seed=seed)


def grid_lines(bounds, n_lines: int = N_LINES, res: int = LINE_RES) -> np.ndarray:
    """Lines of constant x1 (the first n_lines) and of constant x2 across `bounds`:
    (2 * n_lines, res, 2) points in input space."""
    x0, x1, y0, y1 = bounds
    xs, ys = np.linspace(x0, x1, n_lines), np.linspace(y0, y1, n_lines)
    ty, tx = np.linspace(y0, y1, res), np.linspace(x0, x1, res)
    vertical = np.stack([np.column_stack([np.full(res, x), ty]) for x in xs])
    horizontal = np.stack([np.column_stack([tx, np.full(res, y)]) for y in ys])
    return np.concatenate([vertical, horizontal])


def train(dataset: str = DEFAULT_DATASET, hidden=(8, 8, 2),
          activation: str = DEFAULT_ACTIVATION, seed: int = 0) -> HiddenResult:
    """Train with the engine for EPOCHS epochs, then record every layer's output over the map
    grid, along the grid lines and at every data point."""
    trainer = Trainer(config(dataset, hidden, activation, seed))
    trainer.run(EPOCHS)
    net, data = trainer.net, trainer.data
    bounds = trainer.bounds  # a real table's: its usual pair of columns, the others held
    lines = grid_lines(bounds)
    flat_lines = trainer.inputs(trainer.rows(lines.reshape(-1, 2)))
    line_outputs = [a.reshape(*lines.shape[:2], -1) for a in net.layer_outputs(flat_lines)]
    X, y = np.concatenate([trainer.points_train, trainer.points_test]), data.y
    h = trainer.history.last
    return HiddenResult(
        dataset=dataset, hidden=tuple(hidden), activation=activation, output=trainer.output,
        task=trainer.task, bounds=bounds, maps=trainer.layer_grids(MAP_RES, bounds),
        lines=lines, line_outputs=line_outputs, X=X, y=y,
        data_outputs=net.layer_outputs(trainer.inputs(data.X)),
        out_weights=net.params[-2].copy(), out_bias=net.params[-1].copy(),
        train_accuracy=float(h["train_accuracy"]), test_accuracy=float(h["test_accuracy"]),
        epochs=trainer.epoch,
        axes=("x₁", "x₂") if trainer.axis_names == ("x1", "x2") else trainer.axis_names)


def real_note(result: HiddenResult) -> str:
    """What the planes of a real table are: its usual two columns, the others held."""
    return (f"A real table: the planes below span its columns {result.axes[0]} and "
            f"{result.axes[1]}, in their own units; the network sees every column, scaled, "
            "and its other columns are held at their medians here.")


# --- the warped grid: what a layer sees -------------------------------------------------------
def warped(result: HiddenResult, layer: int, i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid lines (2 * N_LINES, LINE_RES, 2) and data points (n, 2) in the plane of neurons
    i and j of hidden layer `layer` (0-based)."""
    check(result, layer, i, j)
    return (result.line_outputs[layer][..., [i, j]], result.data_outputs[layer][:, [i, j]])


def check(result: HiddenResult, layer: int, i: int, j: int) -> None:
    if not 0 <= layer < len(result.hidden):
        raise ValueError(f"choose a hidden layer from 1 to {len(result.hidden)}")
    width = result.hidden[layer]
    if not (0 <= i < width and 0 <= j < width):
        raise ValueError(f"hidden layer {layer + 1} has neurons 1 to {width}")
    if i == j:
        raise ValueError("choose two different neurons")


# --- page state -------------------------------------------------------------------------------
# The page's widgets, kept across visits to other pages.
WIDGETS = ("hl.dataset", "hl.arch", "hl.activation", "hl.layer", "hl.i", "hl.j")


def pick(state, result: HiddenResult) -> int:
    """Keep the page's layer and neuron choices valid for `result`'s network (they may come from
    a larger one): returns the layer. Neurons default to the first two."""
    layer = state.get("hl.layer", len(result.hidden) - 1)
    if not isinstance(layer, int) or not 0 <= layer < len(result.hidden):
        layer = len(result.hidden) - 1
    state["hl.layer"] = layer
    width = result.hidden[layer]
    for key, default in (("hl.i", 0), ("hl.j", min(1, width - 1))):
        value = state.get(key, default)
        state[key] = value if isinstance(value, int) and 0 <= value < width else default
    return layer
