"""What every chart shares: the colours, the font, compact encodings of arrays and images, colour
maps, and thinning long series.

Every module of ui/charts/ holds plain functions from arrays and numbers to plotly figures (as
dicts) or RGB images: nothing there reads Streamlit state or the engine's objects, so each figure
is testable without a browser (`plotly.graph_objects.Figure(fig)` validates one). Maps are sent
as small PNGs and numeric arrays as base64 typed arrays, to keep frames small."""

import base64
import collections
import hashlib
import math
import struct
import threading
import zlib

import numpy as np
from PIL import Image

# TensorFlow Playground's colours: orange for negative / class 0, blue for positive / class 1.
ORANGE, WHITE, BLUE = (245, 147, 34), (232, 234, 235), (8, 119, 189)

CLASS_COLORS = [ORANGE, BLUE, (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
                (227, 119, 194), (23, 190, 207)]

TRAIN_COLOR, TEST_COLOR = "#5b6472", "#f06b1e"

FONT = {"family": "sans-serif", "size": 12, "color": "#1f2430"}

DIVERGING = [[0.0, "rgb(245,147,34)"], [0.5, "rgb(232,234,235)"], [1.0, "rgb(8,119,189)"]]

# Marks an invisible trace that only gives hover text and receives clicks: the live chart brings
# it up to date lazily (when the pointer is over the chart or the updates pause).
HOVER_ONLY = "hover-only"


def hexcolor(rgb) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def typed(a: np.ndarray, dtype: str = "f4") -> dict:
    """A numpy array as plotly.js's base64 typed-array spec."""
    a = np.ascontiguousarray(a, dtype={"f4": np.float32, "f8": np.float64, "u1": np.uint8,
                                       "i4": np.int32}[dtype])
    spec = {"dtype": dtype, "bdata": base64.b64encode(a.tobytes()).decode("ascii")}
    if a.ndim > 1:
        spec["shape"] = ", ".join(str(s) for s in a.shape)
    return spec


def png_bytes(a: np.ndarray, palette: np.ndarray | None = None) -> bytes:
    """A (h, w) grey or (h, w, 3|4) RGB(A) uint8 array (row 0 at the top) as PNG bytes:
    unfiltered rows, zlib level 1. About three times as fast as PIL's encoder at the sizes of
    the live charts, for files a few per cent larger. With a `palette` (k <= 256, 4) of RGBA
    colours, `a` (h, w) holds indices into it (a quarter of the bytes of RGBA to pack)."""
    a = np.ascontiguousarray(a, dtype=np.uint8)
    h, w = a.shape[:2]
    kind = 3 if palette is not None else {2: 0, 3: 2, 4: 6}[a.ndim if a.ndim == 2 else
                                                           a.shape[2]]
    raw = np.zeros((h, 1 + a[0].size), dtype=np.uint8)  # each row: filter 0, then the pixels
    raw[:, 1:] = a.reshape(h, -1)

    def chunk(tag: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + tag + body
                + struct.pack(">I", zlib.crc32(tag + body)))

    colours = b""
    if palette is not None:
        pal = np.ascontiguousarray(palette, dtype=np.uint8).reshape(-1, 4)
        colours = chunk(b"PLTE", pal[:, :3].tobytes()) + chunk(b"tRNS", pal[:, 3].tobytes())
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, kind, 0, 0, 0)) + colours
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 1)) + chunk(b"IEND", b""))


_PNG_CACHE: collections.OrderedDict = collections.OrderedDict()
_PNG_CACHE_SIZE = 256  # images; an unchanged one (an input's thumbnail) is encoded once
_PNG_LOCK = threading.Lock()


def png_uri(rgb: np.ndarray | Image.Image, palette: np.ndarray | None = None) -> str:
    """A (h, w[, 3|4]) uint8 array (row 0 at the top) or a PIL image as a PNG data URI (with
    a `palette`, see png_bytes). The same pixels give the same URI from a small process-wide
    cache, without encoding again."""
    if isinstance(rgb, Image.Image):
        rgb = np.asarray(rgb.convert("RGBA") if rgb.mode not in ("L", "RGB", "RGBA") else rgb)
    a = np.ascontiguousarray(rgb, dtype=np.uint8)
    pal = None if palette is None else np.ascontiguousarray(palette, dtype=np.uint8)
    digest = hashlib.blake2b(a.data, digest_size=16)
    if pal is not None:
        digest.update(pal.data)
    key = (a.shape, pal is not None, digest.digest())
    with _PNG_LOCK:
        uri = _PNG_CACHE.get(key)
        if uri is not None:
            _PNG_CACHE.move_to_end(key)
            return uri
    uri = "data:image/png;base64," + base64.b64encode(png_bytes(a, pal)).decode("ascii")
    with _PNG_LOCK:
        _PNG_CACHE[key] = uri
        while len(_PNG_CACHE) > _PNG_CACHE_SIZE:
            _PNG_CACHE.popitem(last=False)
    return uri


# --- colour maps -------------------------------------------------------------------------
def _diverging_exact(v: np.ndarray) -> np.ndarray:
    """The diverging colours computed point by point (the table below is made from this)."""
    v = np.clip(np.nan_to_num(np.asarray(v, dtype=np.float64), nan=0.5), 0.0, 1.0)[..., None]
    lo, mid, hi = (np.array(c, dtype=np.float64) for c in (ORANGE, WHITE, BLUE))
    t = np.abs(v - 0.5) * 2.0
    end = np.where(v < 0.5, lo, hi)
    return (mid + (end - mid) * t).round().astype(np.uint8)


# The diverging colours of 0, 1/STEPS, ..., 1, and the same faded towards white (a map under
# its points): a value is coloured by its nearest entry, a table look-up instead of a dozen
# array passes per pixel. 4,096 steps are finer than one level of the 8-bit colour.
DIVERGING_STEPS = 4096
_DIVERGING_LUT = _diverging_exact(np.linspace(0.0, 1.0, DIVERGING_STEPS + 1))
_FADED_LUTS: dict[float, np.ndarray] = {}


def diverging_rgb(v: np.ndarray, fade: float = 0.0) -> np.ndarray:
    """Values in [0, 1] -> uint8 RGB (..., 3): orange at 0, light grey at 0.5, blue at 1 (NaN:
    the middle); `fade` blends them that far towards white."""
    lut = _DIVERGING_LUT
    if fade:
        lut = _FADED_LUTS.get(fade)
        if lut is None:
            lut = _FADED_LUTS[fade] = faded(_DIVERGING_LUT, fade)
    x = np.asarray(v, dtype=np.float64) * DIVERGING_STEPS + 0.5
    np.nan_to_num(x, copy=False, nan=DIVERGING_STEPS / 2 + 0.5)
    np.clip(x, 0.0, DIVERGING_STEPS, out=x)
    return lut[x.astype(np.intp)]


def faded(rgb: np.ndarray, fade: float) -> np.ndarray:
    """uint8 colours blended `fade` of the way towards white."""
    return (rgb * (1.0 - fade) + 255.0 * fade).round().astype(np.uint8)


def class_blend_rgb(P: np.ndarray) -> np.ndarray:
    """Class probabilities (..., k) -> uint8 RGB: class colours mixed by probability and
    faded towards grey where the network is unsure."""
    k = P.shape[-1]
    colors = np.array(CLASS_COLORS[:k], dtype=np.float64)
    mix = P @ colors
    conf = ((P.max(axis=-1) - 1.0 / k) / (1.0 - 1.0 / k))[..., None]
    return (np.array(WHITE) + (mix - np.array(WHITE)) * np.clip(conf, 0, 1)).round().astype(
        np.uint8)


def unit_scale(values: np.ndarray, output_range: tuple[float, float]) -> np.ndarray:
    """Map a neuron's outputs to [0, 1] for colouring: by its activation's range when that is
    bounded, else by its largest magnitude (0 stays in the middle)."""
    lo, hi = output_range
    if math.isfinite(lo) and math.isfinite(hi) and lo < 0 < hi:
        return (values / max(-lo, hi) + 1.0) / 2.0
    if math.isfinite(lo) and math.isfinite(hi):
        return (values - lo) / (hi - lo)
    m = float(np.abs(values).max()) or 1.0
    return (values / m + 1.0) / 2.0


def thin(n: int, max_points: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int)) if n else \
        np.zeros(0, dtype=int)


PRESENTER_FONT = 18  # px: axis labels and ticks, legends, labels, read from the back of a room


def presenter_figures(figs: dict[str, dict], on: bool, size: int = PRESENTER_FONT) -> dict:
    """`figs` (key -> figure) with presenter_fonts applied to each when `on`."""
    return {k: presenter_fonts(fig, size) for k, fig in figs.items()} if on else figs


def presenter_fonts(fig: dict, size: int = PRESENTER_FONT) -> dict:
    """`fig` with every text of its layout at least `size` px (titles a little larger): the
    presenter view, on a projector."""
    layout = fig["layout"]
    layout["font"] = {**layout.get("font", FONT), "size": max(size, layout.get("font", FONT)
                                                             .get("size", 12))}
    if isinstance(layout.get("title"), dict):
        layout["title"]["font"] = {**layout["title"].get("font", {}), "size": size + 2}
    for a in layout.get("annotations", []):
        a["font"] = {**a.get("font", {}), "size": max(size, a.get("font", {}).get("size", 0))}
    if "hoverlabel" in layout:
        layout["hoverlabel"]["font"] = {"size": size}
    return fig
