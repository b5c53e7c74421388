"""Image data: scikit-learn's 8×8 digits, whole-pixel shifts, and drawn-digit preprocessing."""

import functools
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from ._checks import check_int_range, check_real_range

IMAGE_SHAPE = (1, 8, 8)  # channels, height, width of one digit
N_CLASSES = 10
MIN_TEST_SIZE, MAX_TEST_SIZE = 0.1, 0.9
MAX_SHIFT = 4  # largest shift allowed, in pixels; half the image
# The training digits' typical brightest pixel: 1,765 of the 1,797 digits reach 16/16.
DIGIT_MAX = 1.0
INK_THRESHOLD = 0.05  # a drawn pixel is ink above 5 % of full scale (12.75 of 255)


@dataclass(frozen=True, eq=False)
class ImageData:
    """A train/test split of images. X_*: (n, 1, 8, 8) float64 in [0, 1]; y_*: (n,) int64
    class ids 0..n_classes-1. test_shifts: (n_test, 2) int64, the (dx, dy) each test image
    was moved by (all zeros for an unshifted test set)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    test_shifts: np.ndarray

    def __post_init__(self):
        for X, y in ((self.X_train, self.y_train), (self.X_test, self.y_test)):
            if X.ndim != 4 or y.shape != (X.shape[0],):
                raise ValueError(f"X must be (n, c, h, w) and y (n,); got {X.shape} and {y.shape}")
        if self.test_shifts.shape != (len(self.y_test), 2):
            raise ValueError(f"test_shifts must be ({len(self.y_test)}, 2); "
                             f"got {self.test_shifts.shape}")

    @property
    def n_train(self) -> int:
        return len(self.y_train)

    @property
    def n_test(self) -> int:
        return len(self.y_test)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.X_train.shape[1:])

    @property
    def X_train_flat(self) -> np.ndarray:
        """The training images as vectors, (n_train, 64): a view, not a copy."""
        return as_vectors(self.X_train)

    @property
    def X_test_flat(self) -> np.ndarray:
        """The test images as vectors, (n_test, 64): a view, not a copy."""
        return as_vectors(self.X_test)


@dataclass(frozen=True)
class ImageSpec:
    """A registry entry: the digits, with test images shifted by up to max_shift pixels."""

    name: str
    label: str
    max_shift: int
    description: str


IMAGE_DATASETS: dict[str, ImageSpec] = {
    spec.name: spec for spec in [
        ImageSpec("digits", "Digits", 0,
                  "Handwritten digits 0–9 as 8×8 images, 1,797 in all."),
        ImageSpec("digits_shifted", "Digits, shifted test set", 2,
                  "The same split; every test digit is moved 1 or 2 pixels in x, y or both."),
    ]
}


def as_vectors(X: np.ndarray) -> np.ndarray:
    """Images (n, c, h, w) as vectors (n, c*h*w); a view of X when X is C-contiguous."""
    return X.reshape(len(X), -1)


@functools.lru_cache(maxsize=1)
def _raw_digits() -> tuple[np.ndarray, np.ndarray]:
    bunch = load_digits()
    X = (bunch.images / 16.0).reshape(-1, *IMAGE_SHAPE)
    y = bunch.target.astype(np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def all_digits() -> tuple[np.ndarray, np.ndarray]:
    """Every digit, loaded once per process: X (1797, 1, 8, 8) float64 in [0, 1] (pixel
    counts 0..16 divided by 16) and y (1797,) int64. Both arrays are read-only."""
    return _raw_digits()


def make_digits(test_size: float = 0.25, seed: int = 0, max_shift: int = 0) -> ImageData:
    """The digits split by class proportions (stratified), the same split for a seed.

    max_shift > 0 moves every test digit by a random (dx, dy) with both in
    [-max_shift, max_shift], never (0, 0); the training digits are never shifted."""
    test_size = check_real_range("test_size", test_size, MIN_TEST_SIZE, MAX_TEST_SIZE)
    seed = check_int_range("seed", seed, 0)
    max_shift = check_int_range("max_shift", max_shift, 0, MAX_SHIFT)
    X, y = _raw_digits()
    split_seed = int(np.random.default_rng([seed, 1]).integers(2**31 - 1))
    train, test = train_test_split(np.arange(len(y)), test_size=test_size,
                                   random_state=split_seed, stratify=y)
    X_test = X[test]
    shifts = np.zeros((len(test), 2), dtype=np.int64)
    if max_shift:
        X_test, shifts = shifted_copy(X_test, max_shift, seed)
    return ImageData(X_train=X[train], y_train=y[train], X_test=X_test, y_test=y[test],
                     n_classes=N_CLASSES, test_shifts=shifts)


def make_images(name: str, test_size: float = 0.25, seed: int = 0) -> ImageData:
    """The image set `name` of IMAGE_DATASETS; see make_digits."""
    if name not in IMAGE_DATASETS:
        raise ValueError(f"unknown image set {name!r}; choose one of: {', '.join(IMAGE_DATASETS)}")
    return make_digits(test_size, seed, IMAGE_DATASETS[name].max_shift)


def shifted_copy(X: np.ndarray, max_shift: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X (n, c, h, w) with every image moved by a random (dx, dy) with both in
    [-max_shift, max_shift], never (0, 0), the same for a seed; and those shifts (n, 2) int64.
    make_digits shifts its test set this way."""
    max_shift = check_int_range("max_shift", max_shift, 1, MAX_SHIFT)
    shifts = _nonzero_shifts(len(X), max_shift, np.random.default_rng([seed, 2]))
    return shift_images(X, shifts[:, 0], shifts[:, 1]), shifts


def _nonzero_shifts(n: int, max_shift: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) int64 shifts drawn uniformly from the (2m+1)² - 1 pairs other than (0, 0)."""
    side = 2 * max_shift + 1
    k = rng.integers(0, side * side - 1, n)
    k += k >= side * side // 2  # skip the centre pair, (0, 0)
    return np.column_stack([k % side, k // side]).astype(np.int64) - max_shift


# --- shifts ---------------------------------------------------------------------------------

def shift_images(X: np.ndarray, dx, dy) -> np.ndarray:
    """Move images X (n, c, h, w) by whole pixels: dx right, dy down (negative: left, up).

    dx, dy are ints or (n,) int arrays, one shift per image. Uncovered pixels are 0 and
    content moved past the edge is lost. Returns a new (n, c, h, w) array, built by one
    gather from a zero-padded copy (no loop over images)."""
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"images must have shape (n, channels, height, width); got {X.shape}")
    n, _, h, w = X.shape
    shifts = []
    for name, d in (("dx", dx), ("dy", dy)):
        d = np.asarray(d)
        if not np.issubdtype(d.dtype, np.integer):
            raise ValueError(f"{name} must be whole numbers of pixels; got dtype {d.dtype}")
        if d.ndim > 1 or (d.ndim == 1 and len(d) != n):
            raise ValueError(f"{name} must be one int or one per image ({n},); got {d.shape}")
        shifts.append(np.broadcast_to(d, (n,)).astype(np.int64))
    dx, dy = shifts
    # Pad by the largest shift (at most the image size; larger shifts index the padding).
    pad = int(min(max(np.abs(dx).max(initial=0), np.abs(dy).max(initial=0)), max(h, w)))
    padded = np.pad(X, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    rows = np.clip(np.arange(h) - dy[:, None] + pad, 0, h + 2 * pad - 1)  # (n, h)
    cols = np.clip(np.arange(w) - dx[:, None] + pad, 0, w + 2 * pad - 1)  # (n, w)
    return padded[np.arange(n)[:, None, None, None], np.arange(X.shape[1])[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def random_shifts(X: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Training augmentation: a copy of the batch X (n, c, h, w), each image moved by its own
    (dx, dy) drawn uniformly from [-max_shift, max_shift]² (including (0, 0)) with rng.

    The same images as shift_images, faster for these small shifts (it runs every training
    step): X is zero-padded by max_shift once, and each image's shift is one of the windows of
    that copy, all taken by one gather."""
    m = check_int_range("max_shift", max_shift, 0, MAX_SHIFT)
    d = rng.integers(-m, m + 1, size=(2, len(X)))
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"images must have shape (n, channels, height, width); got {X.shape}")
    n, c, h, w = X.shape
    padded = np.zeros((n, c, h + 2 * m, w + 2 * m), X.dtype)
    padded[:, :, m:m + h, m:m + w] = X
    sn, sc, sh, sw = padded.strides
    windows = as_strided(padded, (n, c, 2 * m + 1, 2 * m + 1, h, w), (sn, sc, sh, sw, sh, sw),
                         writeable=False)
    # Pixel (r, col) of an image moved by (dx, dy) is padded[r - dy + m, col - dx + m].
    return windows[np.arange(n), :, m - d[1], m - d[0]]


# --- a drawn digit --------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class DrawnDigit:
    """The steps of preprocess_drawing, for display: crop (h, w) the ink's bounding box;
    centred (s, s) the crop placed in a square by its centre of mass; image (8, 8) the
    result on the training digits' scale (0..1, brightest pixel DIGIT_MAX). box is the crop's
    (top, bottom, left, right) in canvas pixels, bottom and right exclusive."""

    crop: np.ndarray
    centred: np.ndarray
    image: np.ndarray
    box: tuple[int, int, int, int]

    @property
    def batch(self) -> np.ndarray:
        """The image as a batch of one for a network: (1, 1, 8, 8)."""
        return self.image.reshape(1, *IMAGE_SHAPE)


def preprocess_drawing(canvas, threshold: float = INK_THRESHOLD) -> DrawnDigit | None:
    """Turn a drawing into an 8×8 digit like the training ones, or None if there is no ink.

    canvas: (H, W) with H, W >= 8, ink high; values in 0..1, or in 0..255 if any exceeds 1.
    Steps: crop to the bounding box of the pixels above `threshold` (a share of full scale);
    pad to a square of side max(h, w, 8), the longer side filling it as in the training
    digits, the ink placed so its centre of mass is as near the centre as the square allows;
    average 8×8 areas of equal size down to 8×8; scale so the brightest pixel is DIGIT_MAX."""
    canvas = _check_canvas(canvas)
    threshold = check_real_range("threshold", threshold, 0.001, 0.999)
    if canvas.max() > 1.0:
        canvas = canvas / 255.0
    ink = canvas > threshold
    if not ink.any():
        return None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)
    crop = canvas[box[0]:box[1], box[2]:box[3]]
    centred = _centre_in_square(crop)
    small = _area_downsample(centred.shape[0], 8)
    image = small @ centred @ small.T
    image *= DIGIT_MAX / image.max()  # > 0: the crop holds a pixel above the threshold
    return DrawnDigit(crop=crop.copy(), centred=centred, image=image, box=box)


def _check_canvas(canvas) -> np.ndarray:
    try:
        canvas = np.array(canvas, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the canvas must be an array of numbers ({exc})") from None
    if canvas.ndim != 2 or min(canvas.shape) < 8:
        raise ValueError(f"the canvas must be a 2-D array of at least 8×8; got shape "
                         f"{canvas.shape}")
    if not np.isfinite(canvas).all():
        raise ValueError("the canvas must be finite (no NaN or infinite values)")
    if canvas.min() < 0 or canvas.max() > 255:
        raise ValueError(f"canvas values must lie in 0..1 or 0..255; got {canvas.min():g} "
                         f"to {canvas.max():g}")
    return canvas


def _centre_in_square(crop: np.ndarray) -> np.ndarray:
    """crop (h, w) in a zero square of side max(h, w, 8), its centre of mass as near the
    centre as fits: per axis, offset = clip(round(side/2 - com), 0, side - size)."""
    side = max(*crop.shape, 8)
    total = crop.sum()
    offsets = []
    for axis, size in enumerate(crop.shape):
        profile = crop.sum(axis=1 - axis)
        com = (profile * (np.arange(size) + 0.5)).sum() / total
        offsets.append(int(np.clip(round(side / 2 - com), 0, side - size)))
    out = np.zeros((side, side))
    out[offsets[0]:offsets[0] + crop.shape[0], offsets[1]:offsets[1] + crop.shape[1]] = crop
    return out


def _area_downsample(size: int, out: int) -> np.ndarray:
    """(out, size) matrix A with A @ v the mean of v over out equal intervals of [0, size]:
    A[i, j] is the overlap of pixel j with interval i, divided by the interval's length."""
    edges = np.arange(out + 1) * (size / out)
    lo = np.maximum(edges[:-1, None], np.arange(size)[None, :])
    hi = np.minimum(edges[1:, None], np.arange(size)[None, :] + 1)
    return np.clip(hi - lo, 0.0, None) * (out / size)
