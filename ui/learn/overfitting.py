"""Overfitting lab: a large network on a small noisy training set, trained by the engine's
Trainer, with one switch per remedy (more data, L2, dropout, early stopping)."""

from dataclasses import dataclass

import numpy as np

from engine import CUSTOM, Config, Dataset, Trainer, make_dataset
from ui.charts.numbers import number, percent

DATASET, NOISE = "moons", 0.3
POOL = 1000  # points drawn: half for training, half for the fixed test set
SMALL = 40  # training points without "more data"
HIDDEN, ACTIVATION = (32, 32), "tanh"
OPTIMIZER, LR = "adam", 0.005
EPOCHS = 800
L2, DROPOUT, PATIENCE = 0.01, 0.3, 50
GRID = 100


@dataclass(frozen=True)
class Remedies:
    more_data: bool = False
    l2: bool = False
    dropout: bool = False
    early_stopping: bool = False


# field -> (switch label, what it does); the page makes one toggle per entry.
REMEDIES = {
    "more_data": ("More data", f"train on {POOL // 2} points instead of {SMALL}"),
    "l2": ("L2 penalty", f"add {L2:g}/2 × (sum of squared weights) to the loss"),
    "dropout": ("Dropout", f"drop each hidden neuron with probability {DROPOUT:g} at every step"),
    "early_stopping": ("Early stopping", f"stop when the test loss has not improved for "
                                         f"{PATIENCE} epochs and keep the best weights"),
}
# The page's widgets, kept across visits to other pages.
WIDGETS = (*(f"of.{name}" for name in REMEDIES), "of.seed")


@dataclass(frozen=True)
class LabResult:
    """What the page shows for one run; plain data, so st.cache_data can keep it."""

    epochs: list[int]
    train_loss: list[float]
    test_loss: list[float]
    best_epoch: int  # epoch of the lowest test loss
    min_test: float
    final_test: float  # test loss of the weights the run ends with
    final_train: float
    train_accuracy: float
    test_accuracy: float
    stop_epoch: int | None  # where early stopping ended the run
    reason: str
    n_train: int
    grid: np.ndarray  # (GRID, GRID) P(class 1) of the final weights
    bounds: tuple[float, float, float, float]
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    max_epochs: int = EPOCHS  # the most epochs a run may take

    @property
    def rise(self) -> float:
        """How far the final test loss is above its minimum, as a fraction of the minimum."""
        return self.final_test / self.min_test - 1.0


def config(remedies: Remedies, seed: int = 0, n_train: int = SMALL) -> Config:
    return Config(dataset=CUSTOM, hidden=HIDDEN, activation=ACTIVATION, optimizer=OPTIMIZER,
                  lr=LR, batch_size=n_train, l2=L2 if remedies.l2 else 0.0,
                  dropout=DROPOUT if remedies.dropout else 0.0,
                  early_stopping=remedies.early_stopping, patience=PATIENCE,
                  max_epochs=EPOCHS, seed=seed)


def data(more_data: bool, seed: int = 0) -> Dataset:
    """The training set (SMALL points, or all POOL/2 with more data) and the same test set."""
    d = make_dataset(DATASET, POOL, NOISE, 0.5, seed)
    n = len(d.X_train) if more_data else SMALL
    return Dataset(d.X_train[:n], d.y_train[:n], d.X_test, d.y_test, d.task, d.n_classes,
                   d.bounds)


def run(remedies: Remedies = Remedies(), seed: int = 0) -> LabResult:
    """Train full-batch for EPOCHS epochs (fewer with early stopping) and collect the curves,
    the final numbers and the output map."""
    d = data(remedies.more_data, seed)
    trainer = Trainer(config(remedies, seed, d.n_train), d)
    trainer.run(EPOCHS)
    h = trainer.history
    test = np.asarray(h["test_loss"], dtype=np.float64)
    best = int(np.argmin(test))
    net = trainer.net
    stop = trainer.epoch if remedies.early_stopping and trainer.best_epoch is not None \
        and trainer.epoch < EPOCHS else None
    p_test = trainer.predict_classes(d.X_test)
    p_train = trainer.predict_classes(d.X_train)
    return LabResult(
        epochs=[int(e) for e in h["epoch"]], train_loss=h["train_loss"],
        test_loss=h["test_loss"], best_epoch=int(h["epoch"][best]),
        min_test=float(test[best]),
        final_test=float(net.loss_value(trainer.X_test, d.y_test)),
        final_train=float(net.loss_value(trainer.X_train, d.y_train)),
        train_accuracy=float((p_train == d.y_train).mean()),
        test_accuracy=float((p_test == d.y_test).mean()),
        stop_epoch=stop, reason=trainer.status_reason, n_train=d.n_train,
        grid=trainer.predict_grid(GRID), bounds=tuple(float(b) for b in d.bounds),
        X_train=d.X_train, y_train=d.y_train, X_test=d.X_test, y_test=d.y_test,
        max_epochs=EPOCHS)


def numbers(result: LabResult) -> list[dict]:
    """The run's numbers for a small table, as text in the app's number style."""
    return [
        {"": "loss", "training": number(result.final_train), "test": number(result.final_test),
         "lowest test": number(result.min_test)},
        {"": "accuracy", "training": percent(result.train_accuracy),
         "test": percent(result.test_accuracy), "lowest test": ""},
    ]
