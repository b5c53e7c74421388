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


def random_slants(X: np.ndarray, rng: np.random.Generator, max_slant: float = 0.3,
                  share: float = 0.5) -> np.ndarray:
    """Training augmentation: a copy of the batch X (n, c, h, w) in which each image, with
    probability `share`, leans by its own slant s drawn uniformly from [-max_slant, max_slant]
    (with rng): row r is moved right by s × (h/2 - r - 1/2) pixels (the top right for s > 0,
    a shear about the middle row) by linear interpolation between its pixels, zeros coming in
    at the edges; the other images are unchanged. Drawn digits lean one way or the other
    more often than the training digits do."""
    max_slant = check_real_range("max_slant", max_slant, 0.0, 1.0)
    share = check_real_range("share", share, 0.0, 1.0)
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"images must have shape (n, channels, height, width); got {X.shape}")
    n, c, h, w = X.shape
    slant = rng.uniform(-max_slant, max_slant, n) * (rng.random(n) < share)
    # Pixel (r, col) of a slanted image is the row's value at col - offset (between pixels).
    at = np.arange(w) - slant[:, None, None] * (h / 2 - np.arange(h) - 0.5)[None, :, None]
    left = np.floor(at)
    frac = (at - left)[:, None]
    left = left.astype(np.int64) + 1  # in the row padded by one zero each side
    padded = np.pad(X, ((0, 0), (0, 0), (0, 0), (1, 1)))
    rows = np.arange(h)[None, None, :, None]
    idx = np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None], rows
    lo = np.clip(left, 0, w + 1)[:, None]
    hi = np.clip(left + 1, 0, w + 1)[:, None]
    return padded[(*idx, lo)] * (1 - frac) + padded[(*idx, hi)] * frac


# --- a drawn digit --------------------------------------------------------------------------

# The training digits' ink, the sum of their 64 pixels (0..1): its 10th and 90th percentiles
# over all 1,797 digits (median 19.6). It is about the same for every class (medians 18.9 to
# 20.6): a 1 is drawn with a thicker line than an 8. A drawing is brought into this range.
INK_RANGE = (16.7, 22.25)
# The training digits' typical shape: the spread (standard deviation) of their ink across is
# 0.56 times its spread down (the median over all 1,797; 10th to 90th percentile 0.46 to
# 0.67). A drawing spread wider than that is narrowed to it, at most to MIN_NARROW of its width.
TYPICAL_ASPECT = 0.56
MIN_NARROW = 0.5
MAX_PEN_CHANGE = 0.15  # the largest change of a stroke's radius, as a share of the square's side
WORK_SIDE = 64  # a longer crop is first reduced by a whole factor to at most this side


@dataclass(frozen=True, eq=False)
class DrawnDigit:
    """The steps of preprocess_drawing, for display: crop (h, w) the ink's bounding box;
    centred (s, s) the crop placed in a square by its centre of mass; adjusted (t, t) the
    drawing made like the training digits (narrowed to their typical width, its strokes
    thickened or thinned to their ink), cropped and centred again: the square the image
    averages; image (8, 8) the result on the training digits' scale (0..1, brightest pixel
    DIGIT_MAX). box is the crop's (top, bottom, left, right) in canvas pixels, bottom and
    right exclusive. narrowed: the width kept (1 unchanged); pen: how much the strokes'
    radius changed, in canvas pixels (positive thicker, negative thinner, 0 unchanged)."""

    crop: np.ndarray
    centred: np.ndarray
    image: np.ndarray
    box: tuple[int, int, int, int]
    adjusted: np.ndarray | None = None
    narrowed: float = 1.0
    pen: float = 0.0

    @property
    def batch(self) -> np.ndarray:
        """The image as a batch of one for a network: (1, 1, 8, 8)."""
        return self.image.reshape(1, *IMAGE_SHAPE)


def preprocess_drawing(canvas, threshold: float = INK_THRESHOLD,
                       adjust: bool = True) -> DrawnDigit | None:
    """Turn a drawing into an 8×8 digit like the training ones, or None if there is no ink.

    canvas: (H, W) with H, W >= 8, ink high; values in 0..1, or in 0..255 if any exceeds 1.
    Steps: crop to the bounding box of the pixels above `threshold` (a share of full scale);
    narrow it if its ink spreads wider than the typical training digit's (TYPICAL_ASPECT);
    thicken or thin its strokes if its 8×8 image holds less or more ink than the training
    digits (INK_RANGE); pad to a square of side max(h, w, 8), the longer side filling it as
    in the training digits, the ink placed so its centre of mass is as near the centre as
    the square allows; average 8×8 areas of equal size down to 8×8; scale so the brightest
    pixel is DIGIT_MAX. adjust=False skips the narrowing and the strokes' change."""
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
    centred, image = _square_image(crop, threshold)
    if not adjust:
        return DrawnDigit(crop=crop.copy(), centred=centred, image=image, box=box,
                          adjusted=centred)
    narrow, kept = _narrow(crop, image)
    adjusted, image, pen = _restroke(narrow, threshold,
                                     (centred, image) if kept == 1 else None)
    return DrawnDigit(crop=crop.copy(), centred=centred, image=image, box=box,
                      adjusted=adjusted, narrowed=kept, pen=pen)


def _square_image(drawing: np.ndarray, threshold: float):
    """The drawing's ink cropped, centred in a square and averaged to 8×8 with its brightest
    pixel DIGIT_MAX: (square, image), or None when no pixel is above the threshold."""
    ink = drawing > threshold
    if not ink.any():
        return None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    square = _centre_in_square(drawing[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    small = _area_downsample(square.shape[0], 8)
    image = small @ square @ small.T
    image *= DIGIT_MAX / image.max()  # > 0: the square holds a pixel above the threshold
    return square, image


def _spreads(image: np.ndarray) -> tuple[float, float]:
    """The standard deviations of an image's ink down (over rows) and across (over columns),
    in pixels."""
    p = image / image.sum()
    out = []
    for profile in (p.sum(axis=1), p.sum(axis=0)):
        at = np.arange(len(profile)) + 0.5
        out.append(float(np.sqrt((profile * (at - (profile * at).sum()) ** 2).sum())))
    return out[0], out[1]


def _narrow(crop: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, float]:
    """(crop, kept): crop (h, w) area-resampled to fewer columns when its 8×8 image spreads
    across more than TYPICAL_ASPECT times down, to that ratio but at least MIN_NARROW of its
    width; kept is the new width over the old (1.0 when unchanged)."""
    down, across = _spreads(image)
    if across <= TYPICAL_ASPECT * down:
        return crop, 1.0
    width = crop.shape[1]
    new = max(1, round(width * max(TYPICAL_ASPECT * down / across, MIN_NARROW)))
    return crop @ _area_downsample(width, new).T, new / width


def _restroke(crop: np.ndarray, threshold: float, first=None) -> tuple[np.ndarray, np.ndarray,
                                                                       float]:
    """(square, image, pen) for crop (h, w): the crop centred in a square and its 8×8 image
    (_square_image; `first` if given), after growing its strokes (grey dilation) or
    shrinking them (grey erosion) by the smallest disk that brings the image's ink into
    INK_RANGE, at most MAX_PEN_CHANGE of the side; shrunk only while opening (erosion then
    dilation by the same disk) keeps 90 % of the ink, so thin strokes are never erased. pen is
    the disk's radius in crop pixels, negative when shrunk, 0 when nothing changed. A crop
    longer than WORK_SIDE is changed at a whole factor smaller, each block as dark as its
    darkest pixel."""
    square, image = first if first is not None else _square_image(crop, threshold)
    ink = image.sum()
    if not _off_range(ink):
        return square, image, 0.0
    factor = -(-max(crop.shape) // WORK_SIDE)
    if factor > 1:
        h, w = -(-crop.shape[0] // factor), -(-crop.shape[1] // factor)
        blocks = np.zeros((h * factor, w * factor))
        blocks[:crop.shape[0], :crop.shape[1]] = crop
        crop = blocks.reshape(h, factor, w, factor).max(axis=(1, 3))
    reach = MAX_PEN_CHANGE * max(*crop.shape, 8)
    grow = ink < INK_RANGE[0]
    base = np.pad(crop, 2 * int(reach) + 1)  # room to grow, and to grow back when opening
    steps = [(0.0, base, (square, image))]  # (radius, drawing, (square, image)) a step
    for radius, dy, dx in _disk_rings(reach):  # the disk grows by one ring a step
        drawing = (np.maximum if grow else np.minimum).reduce([steps[-1][1],
                                                               *_shifts(base, dy, dx)])
        result = _square_image(drawing, threshold)
        if result is None:
            break
        steps.append((radius, drawing, result))
        if not _off_range(result[1].sum()) or (result[1].sum() > INK_RANGE[1]) == grow:
            break  # into the range, or past it
    # The smallest disk nearest to the range; when shrinking, down to the largest disk whose
    # opening keeps 90 % of the ink.
    pick = min(range(len(steps)), key=lambda i: (round(_off_range(steps[i][2][1].sum()), 9), i))
    while pick and not grow and _opened(steps[pick][1], steps[pick][0]) < 0.9 * base.sum():
        pick -= 1
    radius, _, (square, image) = steps[pick]
    return square, image, float(radius * factor * (1 if grow else -1)) + 0.0


def _opened(eroded: np.ndarray, radius: float) -> float:
    """The ink left by opening: the eroded drawing grown back by the disk of `radius`."""
    dy = np.concatenate([ys for _, ys, _ in _disk_rings(radius)])
    dx = np.concatenate([xs for _, _, xs in _disk_rings(radius)])
    return float(np.maximum.reduce([eroded, *_shifts(eroded, dy, dx)]).sum())


def _shifts(image: np.ndarray, dy, dx) -> list[np.ndarray]:
    """image moved by each (dy, dx), cyclically (the callers pad it with enough zeros)."""
    return [np.roll(image, (int(a), int(b)), axis=(0, 1)) for a, b in zip(dy, dx, strict=True)]


def _off_range(ink: float) -> float:
    """How far `ink` lies outside INK_RANGE (0 inside)."""
    return max(INK_RANGE[0] - ink, ink - INK_RANGE[1], 0.0)


@functools.lru_cache(maxsize=64)
def _disk_rings(radius: float) -> tuple[tuple[float, np.ndarray, np.ndarray], ...]:
    """The integer offsets (dy, dx) within `radius` of (0, 0), other than (0, 0), grouped by
    distance, nearest first: ((distance, dy, dx), ...). A disk of radius r is (0, 0) and
    every ring up to r."""
    n = int(radius)
    dy, dx = np.mgrid[-n:n + 1, -n:n + 1]
    d2 = dy.ravel() ** 2 + dx.ravel() ** 2
    dy, dx = dy.ravel(), dx.ravel()
    return tuple((float(np.sqrt(v)), dy[d2 == v], dx[d2 == v])
                 for v in np.unique(d2) if 0 < v <= radius * radius)


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
