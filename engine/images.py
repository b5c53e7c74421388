"""Image classification: an MLP or a small CNN learning scikit-learn's 8×8 digits, on the shared
training core, with the views a page shows while it trains (confusion matrix, current mistakes,
filters, feature maps, first-layer weights, probabilities for a drawn digit)."""

from dataclasses import dataclass

import numpy as np

from . import saving
from .activations import ACTIVATIONS
from .data.images import (
    IMAGE_SHAPE,
    MAX_TEST_SIZE,
    MIN_TEST_SIZE,
    N_CLASSES,
    ImageData,
    make_digits,
    random_shifts,
    random_slants,
    shifted_copy,
)
from .fields import Choice, Flag, Number, Settings, Widths, dense_parameters, settings
from .initializers import INITIALIZERS
from .layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from .model import Model
from .optimizers import LR_HELP, OPTIMIZERS, hyper_fields
from .schedules import SCHEDULES
from .training import TrainerBase

FORMAT = "nn-playground-images-v2"
TEST_SHIFT = 2  # the shifted test set moves every digit by 1 or 2 pixels in x, y or both
AUGMENT_SHIFT = 1  # augmentation moves a training digit by up to this many pixels
# Slant augmentation leans a share of the training digits (each with probability SLANT_SHARE)
# by up to SLANT pixels per row: drawn digits lean more than the training ones, and a 6 drawn
# leaning right is otherwise read as a 4.
SLANT, SLANT_SHARE = 0.4, 0.3
EVAL_CHUNK = 256  # images per forward pass when evaluating (bounds the memory it takes)
MAX_MISTAKES = 64
POOL = {"max": MaxPool2D, "avg": AvgPool2D}
MLP_ONLY = frozenset({"hidden"})
CNN_ONLY = frozenset({"filters", "kernel", "padding", "conv_activation", "pooling", "dense"})

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
BATCHES = (1, 8, 16, 32, 64, 128, 256, 1347)

FIELDS = (
    # data
    Number("test_size", 0.25, "Test share", "Share of the 1,797 digits kept aside to measure how "
           "well the network does on digits it never trained on.", low=MIN_TEST_SIZE,
           high=MAX_TEST_SIZE, slider=True, step=0.05),
    Flag("augment", False, "Random shifts", "Move each training digit by up to one pixel in x "
         "and y every time it is seen, so the network learns that a moved digit is the same "
         "digit.", live=True),
    Flag("slant", True, "Random slants", "Lean about a third of the training digits left or "
         "right by up to 0.4 pixels per row (up to 1.4 pixels at the top and bottom) each time "
         "they are seen, so the network also reads digits that lean, as drawn ones often do.",
         live=True),
    # network
    Choice("model", "cnn", "Network", "A multi-layer perceptron sees 64 separate pixels; a "
           "convolutional network slides small filters over the image.",
           options=("cnn", "mlp"), labels={"cnn": "Convolutional (CNN)",
                                           "mlp": "Multi-layer perceptron (MLP)"}),
    Widths("hidden", (64,), "Hidden layers (MLP)", "Widths of the MLP's hidden layers; none "
           "makes a linear classifier.", high=256, max_len=3),
    Choice("activation", "relu", "Activation (dense layers)", "The function each hidden dense "
           "neuron applies to its weighted sum.", options=ACTIVATIONS),
    Widths("filters", (8,), "Filters per convolution", "How many filters each convolution "
           "layer learns: one or two layers.", low=2, high=16, max_len=2,
           layers="convolution layers", unit="filters"),
    Number("kernel", 3, "Kernel size", "Each filter's size in pixels (3×3 or 5×5).", low=3,
           high=5, integer=True, offered=(3, 5)),
    Flag("padding", True, "Padding", "Pad the image with zeros so a convolution keeps its size; "
         "without, each one shrinks it by the kernel size minus one."),
    Choice("conv_activation", "relu", "Activation (convolutions)", "The function applied to "
           "every filter response.", options=("relu", "tanh"),
           labels={"relu": "ReLU", "tanh": "Tanh"}),
    Choice("pooling", "max", "Pooling", "After each convolution, keep the largest (or the mean) "
           "of each 2×2 block: half the size, some tolerance to shifts.",
           options=("max", "avg"), labels={"max": "Max", "avg": "Average"}),
    Widths("dense", (), "Hidden dense layer (CNN)", "An optional hidden dense layer between the "
           "feature maps and the 10 outputs.", high=128, max_len=1,
           layers="hidden dense layers"),
    Choice("init", "auto", "Initial weights", "How the starting weights are drawn. Auto: He for "
           "ReLU layers, Xavier otherwise.", options=("auto", *INITIALIZERS),
           labels={"auto": "Auto"}),
    # training: every one of these applies live
    Choice("optimizer", "adam", "Optimizer", "The rule that turns gradients into weight "
           "changes. Switching keeps the weights and starts the optimizer's memory afresh.",
           live=True, options=OPTIMIZERS),
    Number("lr", 0.01, "Learning rate", LR_HELP,
           live=True, low=1e-6, high=10.0, offered=LEARNING_RATES),
    *hyper_fields(),
    Number("batch_size", 32, "Batch size", "Digits per gradient step.", live=True, low=1,
           high=2048, integer=True, offered=BATCHES),
    Number("l2", 0.0, "L2 rate", "Adds rate/2 × Σw² to the loss: keeps weights small. Biases "
           "are not penalized.", live=True, low=0.0, high=1.0,
           offered=(0.0, 0.0001, 0.001, 0.01, 0.1)),
    Number("dropout", 0.0, "Dropout", "During training, each hidden dense neuron (and, in a CNN, "
           "each feature the dense layers read) is switched off with this probability.",
           live=True, low=0.0, high=0.9, slider=True, step=0.05),
    Choice("schedule", "constant", "Learning-rate schedule", "How the learning rate changes "
           "over the epochs.", live=True, options=SCHEDULES),
    Number("lr_decay", 0.5, "Decay", "Factor the schedule multiplies the rate by (per period, "
           "or at its end for cosine).", live=True, low=1e-3, high=1.0, step=0.05),
    Number("lr_period", 10, "Period (epochs)", "Epochs over which the schedule applies one "
           "decay.", live=True, low=1, high=100_000, integer=True),
    Number("clip_norm", 0.0, "Gradient clipping", "Scale the gradient down whenever its norm "
           "exceeds this (0: never).", live=True, low=0.0, high=1e3),
    Flag("early_stopping", False, "Early stopping", "Stop when the test loss has not improved "
         "for a while, and go back to the best weights.", live=True),
    Number("patience", 5, "Patience (epochs)", "Epochs without a better test loss before early "
           "stopping acts.", live=True, low=1, high=100_000, integer=True),
    Number("max_epochs", 30, "Epoch budget", "Stop after this many epochs (0: never).",
           live=True, low=0, high=1_000_000, integer=True, step=10),
    Number("target_loss", 0.0, "Target loss", "Stop once the training loss is at or below this "
           "value (0: never).", live=True, low=0.0, high=100.0, step=0.01),
    Number("eval_every", 1, "Record every", "Record the history (and check the stop conditions) "
           "every this many epochs.", live=True, low=1, high=100_000, integer=True),
    Number("seed", 0, "Seed", "Fixes the split, starting weights, shuffling and shifts: the same "
           "seed gives the same run.", low=0, high=2**32 - 1, integer=True, step=1),
)


@settings(*FIELDS)
class ImageConfig(Settings):
    """Everything that defines a digits run. Invalid values raise ValueError with a readable
    message; `live_fields()` are the settings that apply to a running trainer."""

    WHAT = "image settings"

    def _check(self) -> None:
        if self.kernel not in (3, 5):
            raise ValueError(f"kernel must be 3 or 5, not {self.kernel}")
        if self.model == "cnn":
            if not self.filters:
                raise ValueError("a CNN needs one or two convolution layers: give filters")
            self.feature_maps()

    def parameters(self) -> int:
        if self.model == "mlp":
            return dense_parameters([int(np.prod(IMAGE_SHAPE)), *self.hidden, N_CLASSES])
        n, channels = 0, IMAGE_SHAPE[0]
        for f in self.filters:
            n += f * channels * self.kernel ** 2 + f
            channels = f
        side = self.feature_maps()[-1][1]
        return n + dense_parameters([channels * side * side, *self.dense, N_CLASSES])

    def feature_maps(self) -> list[tuple[int, int]]:
        """(channels, side) after each convolution and its pooling, for the CNN; ValueError
        when a layer would not fit."""
        size, pad, out = IMAGE_SHAPE[1], self.kernel // 2 if self.padding else 0, []
        for i, f in enumerate(self.filters, 1):
            conv = size + 2 * pad - self.kernel + 1
            if conv < 2:
                fixes = ["turn padding on"] * (not self.padding) + ["use kernel 3"] * (
                    self.kernel == 5) + ["use one convolution"] * (i > 1)
                raise ValueError(f"convolution {i} leaves a {max(conv, 0)}×{max(conv, 0)} map "
                                 f"from which pooling has nothing to keep: {' or '.join(fixes)}")
            size = conv // 2
            out.append((f, size))
        return out


def build_model(cfg: ImageConfig) -> Model:
    """The network `cfg` describes, on (n, 1, 8, 8) images, with 10 softmax outputs.

    MLP: Flatten, Dense(hidden, activation)..., Dense(10). CNN: [Conv2D(f, kernel, padding,
    conv_activation), pool 2] per filters entry, Flatten, Dropout, Dense(dense, activation)
    ..., Dense(10). Dropout acts on the hidden dense layers' outputs (and the CNN's flattened
    features)."""
    if cfg.model == "mlp":
        layers, width = [Flatten()], int(np.prod(IMAGE_SHAPE))
        for h in cfg.hidden:
            layers.append(Dense(width, h, cfg.activation))
            width = h
    else:
        layers, channels = [], IMAGE_SHAPE[0]
        pad = cfg.kernel // 2 if cfg.padding else 0
        for f in cfg.filters:
            layers += [Conv2D(channels, f, cfg.kernel, padding=pad,
                              activation=cfg.conv_activation), POOL[cfg.pooling](2)]
            channels = f
        side = cfg.feature_maps()[-1][1]
        layers += [Flatten(), Dropout(0.0)]
        width = channels * side * side
        for h in cfg.dense:
            layers.append(Dense(width, h, cfg.activation))
            width = h
    layers.append(Dense(width, N_CLASSES))
    return Model(layers, "softmax", init=None if cfg.init == "auto" else cfg.init,
                 seed=[cfg.seed, 1])


@dataclass(frozen=True)
class Mistakes:
    """Test digits the network gets wrong, most confident first: their index in the test set,
    true and predicted class, and the probability given to the prediction (all (m,))."""

    index: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    total: int  # all mistakes on the test set (the arrays may hold fewer)

    def __len__(self) -> int:
        return len(self.index)


def _as_images(images) -> tuple[np.ndarray, bool]:
    """A batch (n, 1, 8, 8) float64 from one image (8, 8) or (1, 8, 8), or a batch (n, 8, 8)
    or (n, 1, 8, 8); and whether one image was given."""
    X = np.asarray(images, dtype=np.float64)
    h, w = IMAGE_SHAPE[1:]
    if X.shape in ((h, w), IMAGE_SHAPE):
        return X.reshape(1, *IMAGE_SHAPE), True
    if X.ndim in (3, 4) and X.shape[-2:] == (h, w) and (X.ndim == 3 or X.shape[1] == 1):
        return X.reshape(len(X), *IMAGE_SHAPE), False
    raise ValueError(f"expected an 8×8 image or a batch of them, got shape {X.shape}")


class ImageTrainer(TrainerBase):
    """Trains an MLP or a CNN on the digits (or on `data`, an ImageData of your own) from an
    ImageConfig, on the shared core: `step()`, `run(epochs)`, `apply(config)`, `history` (train
    and test loss and accuracy, accuracy on the shifted test set, time, lr), `status`,
    `save`/`load`. `model` is the Model; X_*, y_* the images (n, 1, 8, 8) and labels, and
    `X_shifted` the test images moved by 1 or 2 pixels."""

    SETTINGS = ImageConfig
    FORMAT = FORMAT
    V1_SETTINGS = {"slant": False}  # version 1 had no random slants

    def __init__(self, config: ImageConfig | dict | None = None, data: ImageData | None = None,
                 max_history: int = 4000):
        super().__init__(config, data, max_history)

    # --- the core's hooks ---------------------------------------------------------------------
    def _build_kind(self) -> None:
        cfg = self.config
        if self.custom_data is None:
            data = make_digits(cfg.test_size, cfg.seed)
            shifted = make_digits(cfg.test_size, cfg.seed, TEST_SHIFT).X_test
        else:
            data = self.custom_data
            if data.image_shape != IMAGE_SHAPE or data.n_classes != N_CLASSES:
                raise ValueError(f"images of your own must be {IMAGE_SHAPE} with "
                                 f"{N_CLASSES} classes")
            shifted = shifted_copy(data.X_test, TEST_SHIFT, cfg.seed)[0]
        self.data = data
        self.X_train = np.ascontiguousarray(data.X_train, dtype=np.float64)
        self.X_test = np.ascontiguousarray(data.X_test, dtype=np.float64)
        self.X_shifted = np.ascontiguousarray(shifted, dtype=np.float64)
        self.y_train, self.y_test = data.y_train, data.y_test
        self.model = model = build_model(cfg)
        self.Y_train = model.targets(self.y_train, N_CLASSES)
        self.n_train, self.n_test = len(self.y_train), len(self.y_test)
        self._dropout_rng = self._rng("dropout", 3)
        self._augment_rng = self._rng("augment", 4)
        self._slant_rng = self._rng("slant", 5)

    def _apply_live(self) -> None:
        cfg, model = self.config, self.model
        model.l2 = cfg.l2
        model.dropout = cfg.dropout
        self._drop = self._dropout_rng if cfg.dropout else None
        self._augment = cfg.augment
        self._slant = cfg.slant

    def _same(self, a: ImageConfig, b: ImageConfig, name: str) -> bool:
        # A setting of the other kind of network changes nothing while both are of one kind.
        if a.model == b.model and name in (MLP_ONLY if a.model == "cnn" else CNN_ONLY):
            return True
        return getattr(a, name) == getattr(b, name)

    def _shuffle(self, order: np.ndarray) -> None:
        self._Xs, self._Ys = self.X_train[order], self.Y_train[order]

    def _train_batch(self, i: int, j: int) -> None:
        X = self._Xs[i:j]
        if self._augment:
            X = random_shifts(X, self._augment_rng, AUGMENT_SHIFT)
        if self._slant:
            X = random_slants(X, self._slant_rng, SLANT, SLANT_SHARE)
        self.model.backprop(X, self._Ys[i:j], self._drop)
        self._update(self.model, self.optimizer)

    def _history_keys(self) -> tuple[str, ...]:
        return ("train_loss", "test_loss", "train_accuracy", "test_accuracy",
                "shifted_loss", "shifted_accuracy")

    def _scores(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(mean cross-entropy, accuracy) on images X with labels y, in chunks."""
        if not len(y):
            return np.nan, np.nan
        loss = hits = 0.0
        model = self.model
        for i in range(0, len(y), EVAL_CHUNK):
            z = model.logits(X[i:i + EVAL_CHUNK])
            yc = y[i:i + EVAL_CHUNK]
            loss += model.loss_of(z, model.output_of(z), model.targets(yc, N_CLASSES)) * len(yc)
            hits += np.count_nonzero(z.argmax(axis=1) == yc)
        return loss / len(y), hits / len(y)

    def _evaluate(self) -> dict[str, float]:
        train_loss, train_acc = self._scores(self.X_train, self.y_train)
        test_loss, test_acc = self._scores(self.X_test, self.y_test)
        shifted_loss, shifted_acc = self._scores(self.X_shifted, self.y_test)
        return {"train_loss": train_loss, "test_loss": test_loss, "train_accuracy": train_acc,
                "test_accuracy": test_acc, "shifted_loss": shifted_loss,
                "shifted_accuracy": shifted_acc}

    def _data_arrays(self) -> tuple[dict, dict[str, np.ndarray]]:
        d = self.custom_data
        if d is None:
            return {}, {}
        return {"n_classes": d.n_classes}, {
            "data_X_train": d.X_train, "data_y_train": d.y_train, "data_X_test": d.X_test,
            "data_y_test": d.y_test, "data_test_shifts": d.test_shifts}

    @classmethod
    def _data_from_file(cls, state: dict, archive) -> ImageData | None:
        d = state["data"]
        if d is None:
            return None
        X_train, y_train, X_test, y_test, shifts = (
            archive.array(f"data_{k}", saving.MAX_DATA_BYTES)
            for k in ("X_train", "y_train", "X_test", "y_test", "test_shifts"))
        return ImageData(X_train, y_train, X_test, y_test, int(d["n_classes"]), shifts)

    # --- predictions and views ------------------------------------------------------------------
    def predict_proba(self, images) -> np.ndarray:
        """Class probabilities (10,) of one 8×8 image in [0, 1] (e.g. a drawn digit after
        engine.data.preprocess_drawing), or (n, 10) of a batch (n, 8, 8) or (n, 1, 8, 8)."""
        X, one = _as_images(images)
        p = np.concatenate([self.model.forward(X[i:i + EVAL_CHUNK])
                            for i in range(0, len(X), EVAL_CHUNK)]) if len(X) else \
            np.zeros((0, N_CLASSES))
        return p[0] if one else p

    def predict(self, images) -> np.ndarray | int:
        """The predicted class of one image, or (n,) of a batch."""
        p = self.predict_proba(images)
        return int(p.argmax()) if p.ndim == 1 else p.argmax(axis=1)

    def test_probabilities(self, shifted: bool = False) -> np.ndarray:
        """(n_test, 10): probabilities for every test digit (or its shifted copy)."""
        return self.predict_proba(self.X_shifted if shifted else self.X_test)

    def confusion_matrix(self, shifted: bool = False) -> np.ndarray:
        """(10, 10) int64 counts on the test set: row = true class, column = predicted."""
        pred = self.test_probabilities(shifted).argmax(axis=1)
        k = N_CLASSES
        return np.bincount(self.y_test * k + pred, minlength=k * k).reshape(k, k)

    def mistakes(self, limit: int = 24, shifted: bool = False) -> Mistakes:
        """The test digits predicted wrongly now, the most confident mistakes first (ties: by
        index), at most `limit` (up to MAX_MISTAKES)."""
        limit = max(0, min(int(limit), MAX_MISTAKES))
        p = self.test_probabilities(shifted)
        pred = p.argmax(axis=1)
        wrong = np.flatnonzero(pred != self.y_test)
        conf = p[wrong, pred[wrong]]
        top = wrong[np.lexsort((wrong, -conf))][:limit]
        return Mistakes(index=top, true=self.y_test[top].copy(), predicted=pred[top],
                        confidence=p[top, pred[top]], total=len(wrong))

    def conv_layers(self) -> list[Conv2D]:
        return [layer for layer in self.model.layers if isinstance(layer, Conv2D)]

    def filters(self) -> list[np.ndarray]:
        """Each convolution's filters (out_channels, in_channels, k, k), copies ([] for an
        MLP)."""
        return [layer.weight.copy() for layer in self.conv_layers()]

    def feature_maps(self, index: int, shifted: bool = False) -> list[tuple[str, np.ndarray]]:
        """For test digit `index` (or its shifted copy): (name, maps (channels, h, w)) after
        each convolution and each pooling layer, in order ([] for an MLP)."""
        X = self.X_shifted if shifted else self.X_test
        if not -len(X) <= int(index) < len(X):
            raise ValueError(f"index must be in [0, {len(X)}), not {index}")
        outs = self.model.layer_outputs(X[int(index)][None])
        maps, counts = [], {}
        for layer, a in zip(self.model.layers, outs, strict=True):
            kind = {Conv2D: "conv", MaxPool2D: "max pool", AvgPool2D: "average pool"}.get(
                type(layer))
            if kind is not None:
                counts[kind] = counts.get(kind, 0) + 1
                maps.append((f"{kind} {counts[kind]}", a[0].copy()))
        return maps

    def first_layer_weights(self) -> np.ndarray | None:
        """The MLP's first dense layer as images: (units, 8, 8), unit j's weight on each
        pixel (None for a CNN)."""
        if self.config.model != "mlp":
            return None
        W = self.model.layers[1].W  # (64, units), after the Flatten
        return W.T.reshape(-1, *IMAGE_SHAPE[1:]).copy()

    def summary(self) -> list[dict]:
        """One row per layer: its name, output shape for one image, and parameter count."""
        rows, a = [], self.X_test[:1] if self.n_test else self.X_train[:1]
        for layer in self.model.layers:
            a = layer.forward(a)
            rows.append({"layer": type(layer).__name__, "shape": tuple(a.shape[1:]),
                         "params": sum(int(np.prod(s)) for s in layer.param_shapes)})
        return rows
