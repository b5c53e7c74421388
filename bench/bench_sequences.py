"""The Sequences page live, measured end to end in headless Chromium.

Starts its own server (`streamlit run serve.py` on 127.0.0.1, a free port, no file watcher),
opens the Sequences page and clicks its preset "LSTM on the adding problem (T = 30)", which
loads the settings and presses Play. Prints: the seconds from that click until the test MSE
in the status line is below 0.01 (the adding problem solved: the baseline is 1/6), beside the
seconds the engine alone takes to get there with the same settings in this process (the
reference: the ratio is the page's cost); redraws/s of the live charts (the curves, the chosen
sequence and the gradient through time, in every frame) and of the slow ones (the heatmaps of
the hidden state and the gates, the unrolled diagram, the step through the cell), as drawn in
the browser, and each chart's drawing time per update; chart mounts; blank charts in samples
taken every 0.25 s; and what recording the gradient through time costs a training step (the
trainer keeps each batch's |dL/dh_t|, which the layers' backward computes anyway).
Goals (issue 13): >= 10 redraws/s of the live charts (the gradient through time included)
while training, no blank frames, the LSTM solves the adding problem within 15 s of Play, the
heatmaps update at >= 2/s. As a reference for the redraw rates, the Digits page's curves are
measured the same way in the same run (its own goal is also 10/s): under load, compare the
ratio.

The machine is shared and noisy: rates are over whole windows; the uptime load is printed.
Stops what it starts by PID. `--shots DIR` saves a screenshot of every chart.

Usage: python bench/bench_sequences.py [--seconds 10] [--shots DIR]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread

# isort: split

import argparse  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from bench_compare import start_server, stop  # noqa: E402

from engine.sequences import SequenceTrainer  # noqa: E402
from ui.sequences.state import PRESETS  # noqa: E402

STATUS = "h4.nnp-status"
MAIN, SLOW = ("loss", "metric", "sequence", "grad_time"), ("hidden", "gates", "unrolled", "walk")
SOLVED = 0.01  # test MSE below which the adding problem counts as solved
PRESET = "lstm_adding"


def stats(page) -> dict:
    return page.evaluate("JSON.parse(JSON.stringify(window.__nnp || {}))")


def test_mse(page) -> float:
    m = re.search(r"test MSE ([\d.e+-]+)", page.locator(STATUS).inner_text())
    try:
        return float(m[1]) if m else math.inf
    except ValueError:
        return math.inf


def blank(page) -> list[str]:
    """Charts with nothing drawn in them right now."""
    return page.evaluate("""(keys) => keys.filter(k => {
        const el = document.querySelector(`.nnp-chart[data-key="${k}"]`);
        return !el || !el.querySelector('.main-svg') || el.getBoundingClientRect().height < 50;
    })""", [*MAIN, *SLOW])


def engine_seconds(max_epochs: int = 60) -> tuple[float, int]:
    """Seconds (and epochs) the engine alone takes to bring the preset's test MSE below
    SOLVED, evaluating after every epoch as the page does."""
    t = SequenceTrainer(PRESETS[PRESET].config())
    start = time.perf_counter()
    while t.epoch < max_epochs:
        t.run(1)
        if t.history.last["test_mse"] < SOLVED:
            return time.perf_counter() - start, t.epoch
    return math.inf, t.epoch


def record_cost(steps: int = 200, reps: int = 5) -> tuple[float, float]:
    """(Median microseconds of a training step of the preset, median microseconds of what the
    trainer adds to it to record the gradient through time: stacking the layers' |dL/dh_t| of
    the batch and keeping it.)"""
    import numpy as np

    t = SequenceTrainer(PRESETS[PRESET].config().replace(max_epochs=0))
    for _ in range(20):
        t.step()
    step, record = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            t.step()
        step.append((time.perf_counter() - t0) / steps)
        layers, kept = t._recurrent, t._grad_record
        t0 = time.perf_counter()
        for _ in range(steps):
            kept.append(np.stack([layer.grad_norm_through_time for layer in layers]))
        record.append((time.perf_counter() - t0) / steps)
    return statistics.median(step) * 1e6, statistics.median(record) * 1e6


def frame_latency(page, n: int = 12) -> float:
    """Median seconds of a GET of the page's frame route while it trains (the server's side of
    a redraw: waiting for the runner's lock, the snapshot, the figures, the JSON)."""
    times = page.evaluate("""async (n) => {
        const url = Object.keys(window.__nnpLive || {})[0];
        const out = [];
        for (let i = 0; i < n; i++) {
            const t = performance.now();
            await fetch(new URL(url, document.baseURI), {cache: 'no-store'});
            out.push(performance.now() - t);
        }
        return out;
    }""", n)
    return statistics.median(times) / 1000


def digits_rate(page, url: str, seconds: float) -> tuple[float, float]:
    """Redraws/s of the Digits page's loss curve while it trains (the same browser, server and
    window): the reference."""
    page.goto(f"{url}/Digits")
    page.locator(STATUS).wait_for(timeout=90_000)
    page.locator('.nnp-chart[data-key="loss"] .main-svg').first.wait_for()
    budget = page.get_by_role("spinbutton", name="Epoch budget")
    budget.fill("100000")  # so that it trains through the window
    budget.press("Enter")
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    page.wait_for_timeout(2000)
    s0, w0 = stats(page), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    rate = (stats(page)["loss"]["updates"] - s0["loss"]["updates"]) / (time.monotonic() - w0)
    latency = frame_latency(page)
    if page.get_by_role("button", name="Pause", exact=True).count():
        page.get_by_role("button", name="Pause", exact=True).click()
    return rate, latency


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="measuring window")
    ap.add_argument("--shots", type=Path, default=None, help="save chart screenshots here")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    step_us, record_us = record_cost()
    reference, ref_epochs = engine_seconds()  # before the server starts, and again after
    log = Path("/tmp/bench_sequences_server.log")
    proc, url = start_server(log)
    print(f"server pid {proc.pid} at {url}; {os.cpu_count()} cores; load {os.getloadavg()}")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/Sequences")
            page.locator(STATUS).wait_for(timeout=90_000)
            page.locator('.nnp-chart[data-key="grad_time"] .main-svg').first.wait_for()
            page.wait_for_timeout(1500)
            # The preset: settings loaded and Play pressed in one click.
            page.get_by_text("Classroom presets").click()
            page.get_by_role("button", name=PRESETS[PRESET].label).click()
            t0 = time.monotonic()
            page.get_by_role("button", name="Pause", exact=True).wait_for()
            solved, epochs = math.nan, None
            while time.monotonic() - t0 < 60:
                if test_mse(page) < SOLVED:
                    solved = time.monotonic() - t0
                    epochs = re.match(r"Epoch ([\d,]+)", page.locator(STATUS).inner_text())[1]
                    break
                page.wait_for_timeout(100)
            # Redraw rates while it trains on.
            s0, w0 = stats(page), time.monotonic()
            blanks, samples = 0, 0
            while time.monotonic() - w0 < args.seconds:
                page.wait_for_timeout(250)
                samples += 1
                blanks += bool(blank(page))
            s1, dt = stats(page), time.monotonic() - w0
            rates = {k: (s1[k]["updates"] - s0[k]["updates"]) / dt for k in (*MAIN, *SLOW)}
            mounts = {k: s1[k]["mounts"] for k in (*MAIN, *SLOW)}
            draw_ms = {k: (s1[k]["ms"] - s0[k]["ms"]) / max(s1[k]["updates"] - s0[k]["updates"], 1)
                       for k in (*MAIN, *SLOW)}
            latency = frame_latency(page)
            still = page.get_by_role("button", name="Pause", exact=True).count() == 1
            if args.shots is not None:
                args.shots.mkdir(parents=True, exist_ok=True)
                for k in (*MAIN, *SLOW):
                    el = page.locator(f'.nnp-chart[data-key="{k}"]')
                    el.scroll_into_view_if_needed()
                    el.screenshot(path=args.shots / f"{k}.png")
            reference_rate, reference_latency = digits_rate(page, url, args.seconds)
            browser.close()
    finally:
        stop(proc)
    after, _ = engine_seconds()

    def ok(v: bool) -> str:
        return "met" if v else "NOT met"

    print(f"preset '{PRESETS[PRESET].label}', click (Play) -> test MSE < {SOLVED}: "
          f"{solved:.1f} s at epoch {epochs}  goal <= 15 s: {ok(solved <= 15)}")
    mean = (reference + after) / 2
    print(f"  the engine alone, same settings, this process: {reference:.1f} s before the page "
          f"and {after:.1f} s after ({ref_epochs} epochs); page / engine = {solved / mean:.2f}")
    print("redraws/s while training: " + ", ".join(f"{k} {v:.1f}" for k, v in rates.items()))
    print(f"  live charts ({', '.join(MAIN)}) goal >= 10: "
          f"{ok(min(rates[k] for k in MAIN) >= 10)}; heatmaps goal "
          f">= 2: {ok(min(rates[k] for k in ('hidden', 'gates')) >= 2)}")
    print("browser drawing time per update (ms): " + ", ".join(
        f"{k} {v:.0f}" for k, v in draw_ms.items()))
    print(f"  reference, the Digits page's loss curve in the same run: {reference_rate:.1f}/s; "
          f"Sequences loss / Digits loss = {rates['loss'] / max(reference_rate, 1e-9):.2f}")
    print(f"frame route, median GET while training: Sequences {latency * 1000:.0f} ms, Digits "
          f"{reference_latency * 1000:.0f} ms")
    print(f"mounts (goal 1 each): {mounts}; blank samples: {blanks} of {samples}; still "
          f"training at the end of the window: {still}")
    print(f"recording the gradient through time: {record_us:.1f} µs of a {step_us / 1000:.2f} ms "
          f"training step ({100 * record_us / step_us:.2f} %)")
    print(f"load at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
