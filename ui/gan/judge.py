"""How recognisable generated digits are, measured: a digits classifier (the engine's
ImageTrainer, an MLP trained on scikit-learn's real training digits, once per process) reads
them, and each is compared with the real training digits.

The measure: the share of generated digits (from the first N_JUDGE fixed noise vectors) that
are *recognisable*: the classifier reads them with at least SURE confidence, and they lie as
close to some real training digit as 95 % of the real test digits do (nearest-neighbour
distance over the 64 pixels). Confidence alone is not enough: this classifier is 79 % sure on
average of images of uniform noise. Real test digits score about 0.82, random images 0; a grid
counts as digit-like from RECOGNISABLE on (`reference` gives both ends of the scale)."""

import threading
from functools import lru_cache

import numpy as np

from engine.images import ImageConfig, ImageTrainer

N_JUDGE = 64  # generated digits the measure looks at
SURE = 0.9  # the classifier's confidence a recognisable digit needs
NEAR = 0.95  # ... and as near a real digit as this share of the real test digits are
RECOGNISABLE = 0.5  # the share from which a grid counts as digit-like
# The judge's classifier is fixed, whatever the Digits page's defaults become: plain digits only
# (no random shifts or slants), so that its figures in assets/gan stay true.
JUDGE_CONFIG = ImageConfig(model="mlp", hidden=(64,), optimizer="adam", lr=0.003,
                           max_epochs=15, seed=0, augment=False, slant=False)
_lock = threading.Lock()


def _flat(images) -> np.ndarray:
    x = np.asarray(images, dtype=np.float64)
    return x.reshape(len(x), 64)


class Judge:
    """The classifier and the real training digits. `read(images)` -> (classes, confidences);
    `near(images)` -> whether each lies within the real test digits' 95th-percentile
    nearest-neighbour distance."""

    def __init__(self):
        self.trainer = ImageTrainer(JUDGE_CONFIG)
        self.trainer.run(JUDGE_CONFIG.max_epochs)
        self.real = _flat(self.trainer.X_train[:, 0])
        self._r2 = (self.real ** 2).sum(axis=1)
        self.radius = float(np.quantile(self.nearest(self.trainer.X_test[:, 0]), NEAR))

    def nearest(self, images) -> np.ndarray:
        """Each image's distance to its nearest real training digit."""
        x = _flat(images)
        d2 = (x ** 2).sum(axis=1)[:, None] + self._r2[None, :] - 2.0 * x @ self.real.T
        return np.sqrt(np.maximum(d2, 0.0).min(axis=1))

    def read(self, images) -> tuple[np.ndarray, np.ndarray]:
        p = self.trainer.predict_proba(np.asarray(images, dtype=np.float64).reshape(-1, 8, 8))
        return p.argmax(axis=1), p.max(axis=1)

    def recognisable(self, images) -> np.ndarray:
        """(n,) bool: read with at least SURE confidence and near a real digit."""
        return (self.read(images)[1] >= SURE) & (self.nearest(images) <= self.radius)


@lru_cache(maxsize=1)
def judge() -> Judge:
    """The process's judge (about 2 s to train, on first use)."""
    return Judge()


def read(images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(classes (n,), confidences (n,), recognisable (n,) bool) of digits (n, 8, 8)."""
    images = np.asarray(images, dtype=np.float64).reshape(-1, 8, 8)
    with _lock:  # one model, shared by every session's thread
        j = judge()
        classes, conf = j.read(images)
        near = j.nearest(images) <= j.radius
    return classes, conf, (conf >= SURE) & near


def score(images: np.ndarray) -> float:
    """The measure: the share of recognisable digits among `images` (n, 8, 8)."""
    return float(read(images)[2].mean()) if len(images) else float("nan")


@lru_cache(maxsize=1)
def reference() -> tuple[float, float]:
    """(score of the real test digits, of uniform random images): the scale's ends."""
    t = judge().trainer
    return score(t.X_test[:, 0]), score(np.random.default_rng(0).uniform(0, 1, (256, 8, 8)))
