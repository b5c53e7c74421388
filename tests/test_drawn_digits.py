"""Drawn digits are read as well as the pictures suggest: synthetic drawings of every digit on
the 64×64 canvas, prepared as a drawing is (crop, narrow, restroke, centre by centre of mass,
8×8), read by a CNN trained past 97 % with the page's default settings (random slants of the
training digits on). Two kinds of drawing: typeset glyphs (Pillow's default font, outlined by
a pen) and pen strokes (each digit as a handwriting path, drawn with round ends like the
page's canvas), each in a set used while the preprocessing was chosen and in
held-out sets of other sizes, pens, slants and places. The figures are printed by
bench/bench_digits.py (drawn_report)."""

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from engine.data.images import INK_RANGE, preprocess_drawing
from engine.images import ImageConfig, ImageTrainer

SIZES = (28, 40, 52)
PLACES = ((0, 0), (-10, -8), (9, 7), (-6, 10))
PENS = (1, 3)
PAGE_PEN = 5  # the page's canvas draws with 0.075 of its side: 4.8 of 64 pixels


def glyph(digit: int, size: int, dx: int, dy: int, pen: int) -> np.ndarray:
    """Digit `digit` typeset on a 64×64 canvas (ink 1), centred at (32 + dx, 32 + dy)."""
    im = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(im).text((32 + dx, 32 + dy), str(digit), fill=255, anchor="mm",
                            font=ImageFont.load_default(size=size), stroke_width=pen,
                            stroke_fill=255)
    return np.asarray(im, dtype=np.float64) / 255.0


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float) -> list:
    """Points of an elliptic arc, angles in degrees counter-clockwise from 3 o'clock."""
    a = np.radians(np.linspace(start, stop, 24))
    return list(zip(cx + rx * np.cos(a), cy - ry * np.sin(a), strict=True))


# Each digit as pen strokes, the way digits are handwritten, in a box 0.6 wide and 1 tall
# (y down). Drawn once before measuring; not changed to suit the network.
STROKES = {
    0: [_arc(0.3, 0.5, 0.3, 0.5, 90, 450)],
    1: [[(0.12, 0.22), (0.38, 0.0), (0.38, 1.0)]],
    2: [_arc(0.3, 0.28, 0.28, 0.28, 160, -40) + [(0.0, 1.0), (0.6, 1.0)]],
    3: [_arc(0.3, 0.25, 0.27, 0.25, 150, -90) + _arc(0.3, 0.73, 0.3, 0.27, 90, -150)],
    4: [[(0.42, 0.0), (0.0, 0.66), (0.6, 0.66)], [(0.45, 0.35), (0.45, 1.0)]],
    5: [[(0.55, 0.0), (0.1, 0.0), (0.07, 0.45)] + _arc(0.3, 0.7, 0.3, 0.3, 140, -150)],
    6: [[(0.48, 0.0)] + _arc(0.3, 0.72, 0.28, 0.28, 160, 520)],
    7: [[(0.0, 0.0), (0.6, 0.0), (0.22, 1.0)]],
    8: [_arc(0.3, 0.24, 0.24, 0.24, -90, 270), _arc(0.3, 0.74, 0.3, 0.26, 90, 450)],
    9: [_arc(0.3, 0.28, 0.28, 0.28, 0, 360), [(0.58, 0.28), (0.5, 1.0)]],
}


def stroked(digit: int, height: int, dx: int, dy: int, pen: int,
            slant: float = 0.0) -> np.ndarray:
    """Digit `digit` drawn as pen strokes `pen` pixels wide with round ends on a 64×64 canvas
    (ink 1): `height` pixels tall, its box centred at (32 + dx, 32 + dy), leaning right by
    `slant` of its height from bottom to top."""
    im = Image.new("L", (64, 64), 0)
    draw = ImageDraw.Draw(im)
    x0, y0 = 32 + dx - 0.3 * height, 32 + dy - 0.5 * height
    for line in STROKES[digit]:
        pts = [(x0 + (x + slant * (0.5 - y)) * height, y0 + y * height) for x, y in line]
        draw.line(pts, fill=255, width=pen, joint="curve")
        for x, y in (pts[0], pts[-1]):
            draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    return np.asarray(im, dtype=np.float64) / 255.0


# name: (draw, [(digit, *arguments)]); digit-major, the other arguments in the same order for
# every digit. "tuned" sets were measured while the preprocessing was chosen; "held-out" ones
# differ in size, pen, slant and place ("fresh" ones were first measured after it was fixed).
SETS = {
    "glyphs (tuned)": (glyph, [(d, s, dx, dy, p) for d in range(10) for s in SIZES
                               for dx, dy in PLACES for p in PENS]),
    "glyphs (held-out)": (glyph, [(d, s, dx, dy, p) for d in range(10) for s in (34, 46)
                                  for dx, dy in PLACES[:2] for p in (0, 2)]),
    "strokes (tuned)": (stroked, [(d, h, dx, dy, PAGE_PEN, sl) for d in range(10)
                                  for h in (24, 36, 50) for dx, dy in PLACES[:2]
                                  for sl in (0.0, 0.25)]),
    "strokes (held-out)": (stroked, [(d, h, dx, dy, p, 0.12) for d in range(10)
                                     for h in (30, 44) for dx, dy in PLACES[2:]
                                     for p in (3, 8)]),
    "strokes (fresh)": (stroked, [(d, h, dx, dy, p, sl) for d in range(10)
                                  for h in (27, 41, 56) for dx, dy in ((3, -4), (-4, 3))
                                  for p in (4, 6) for sl in (-0.1, 0.18)]),
}
# Digits read in fewer than PER_DIGIT of a kind's drawings whatever the preprocessing: their
# floors are strict expected failures (a fix makes them pass, and the test then says so).
KNOWN_MISSES = {  # figures measured with the fixture's network
    ("glyphs", 6): "the typeset 6 curls its top back towards its bowl, as no training 6 does: "
                   "for none of the 32 are most of its 15 nearest training digits 6s (0s for "
                   "24 of them); the network reads 6 of the 32",
    ("glyphs", 9): "the typeset 9 curls its tail back under its bowl: for 28 of the 32 most "
                   "of its 15 nearest training digits are 0s or 8s; the network reads 26 of "
                   "the 32 as 8s",
}
OVERALL = {"glyphs (tuned)": 0.68, "glyphs (held-out)": 0.8, "strokes (tuned)": 0.85,
           "strokes (held-out)": 0.85, "strokes (fresh)": 0.88}
PER_DIGIT = 0.6  # of each digit's drawings of a kind (all its sets), known misses aside
GAIN = 0.08  # the adjustments' gain over all sets, at least


def canvases(name: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The drawings of set `name` and their digits (n,)."""
    draw, cases = SETS[name]
    return [draw(*c) for c in cases], np.array([c[0] for c in cases])


def readings(cnn: ImageTrainer, drawings: list, adjust: bool = True) -> np.ndarray:
    """What the network reads in each drawing, prepared as the page does: (n,)."""
    return cnn.predict(np.stack([preprocess_drawing(d, adjust=adjust).image
                                 for d in drawings]))


def per_digit(read: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The share of each digit's drawings read right: (10,)."""
    return np.array([(read[truth == d] == d).mean() for d in range(10)])


@pytest.fixture(scope="module")
def cnn() -> ImageTrainer:
    t = ImageTrainer(ImageConfig(max_epochs=0))
    t.run(15)
    assert t.history.last["test_accuracy"] >= 0.97
    return t


@pytest.fixture(scope="module")
def results(cnn) -> dict:
    """Per set: (truth, reading with the adjustments, reading without them)."""
    out = {}
    for name in SETS:
        drawings, truth = canvases(name)
        out[name] = (truth, readings(cnn, drawings), readings(cnn, drawings, adjust=False))
    return out


def raw(canvas: np.ndarray) -> np.ndarray:
    """The canvas shrunk to 8×8 without cropping or centring."""
    small = canvas.reshape(8, 8, 8, 8).mean(axis=(1, 3))
    return small / small.max()


def test_centred_drawings_are_read_far_better_than_raw_ones(cnn, results):
    drawings, truth = canvases("glyphs (tuned)")
    centred = results["glyphs (tuned)"][1]
    plain = cnn.predict(np.stack([raw(g) for g in drawings]))
    read, read_raw = (centred == truth).mean(), (plain == truth).mean()
    assert read >= 0.6 and read >= 4 * read_raw, (read, read_raw)
    # Where a glyph is drawn does not change its reading.
    by_place = centred.reshape(10, len(SIZES), len(PLACES), len(PENS))
    same = (by_place == by_place[:, :, :1, :]).mean()
    assert same >= 0.95, same


@pytest.mark.parametrize("name", list(SETS))
def test_each_set_is_read_overall(results, name):
    truth, read, before = results[name]
    assert (read == truth).mean() >= OVERALL[name], ((read == truth).mean(), name)
    assert (read == truth).mean() >= (before == truth).mean(), name  # never worse


def test_narrowing_and_restroking_read_more_drawings(results):
    truth, read, before = (np.concatenate(r) for r in zip(*results.values(), strict=True))
    assert (read == truth).mean() >= (before == truth).mean() + GAIN


@pytest.mark.parametrize("kind, digit", [
    pytest.param(kind, d, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[kind, d])]
                 if (kind, d) in KNOWN_MISSES else [])
    for kind in ("glyphs", "strokes") for d in range(10)])
def test_every_digit_is_read(results, kind, digit):
    truth, read = (np.concatenate([results[n][i] for n in SETS if n.startswith(kind)])
                   for i in (0, 1))
    assert per_digit(read, truth)[digit] >= PER_DIGIT, (kind, per_digit(read, truth))


def test_random_slants_read_more_stroked_sixes(results):
    """Without the slants a 6 drawn leaning right reads as a 4 or a 1: the network trained
    without them reads far fewer of the stroked 6s."""
    upright = ImageTrainer(ImageConfig(max_epochs=0, slant=False))
    upright.run(15)
    assert upright.history.last["test_accuracy"] >= 0.97
    names = [n for n in SETS if n.startswith("strokes")]
    truth = np.concatenate([results[n][0] for n in names])
    read = np.concatenate([results[n][1] for n in names])
    before = np.concatenate([readings(upright, canvases(n)[0]) for n in names])
    sixes = truth == 6
    assert (read[sixes] == 6).mean() >= (before[sixes] == 6).mean() + 0.3, (
        (read[sixes] == 6).mean(), (before[sixes] == 6).mean())
    assert (read == truth).mean() >= (before == truth).mean(), "never worse overall"


def test_stroked_drawings_are_read_wherever_they_are(results):
    truth, read, _ = results["strokes (tuned)"]
    by_place = read.reshape(10, 3, 2, 2)  # digit, height, place, slant
    assert (by_place == by_place[:, :, :1, :]).mean() >= 0.95


def test_adjusted_drawings_hold_the_training_digits_ink():
    """Every drawing's 8×8 image ends within INK_RANGE, or its pen changed as far as allowed
    or as far as thinning could go without erasing a stroke."""
    low, high = INK_RANGE
    inside = []
    for name in SETS:
        for canvas in canvases(name)[0]:
            d = preprocess_drawing(canvas)
            inside.append(low <= d.image.sum() <= high)
            assert d.narrowed <= 1 and d.adjusted.shape[0] == d.adjusted.shape[1]
    assert np.mean(inside) >= 0.9, np.mean(inside)
