"""The GAN page live, measured end to end in headless Chromium.

Starts its own server (`streamlit run serve.py` on 127.0.0.1, a free port, no file watcher),
opens the GAN page and prints:

- for each preset tested to converge (ring of 8, two moons, line): the seconds from Play until
  every mode is covered (the ring: "modes 8 of 8" in the status line) and until the distance
  (MMD to held-out real points) is under the engine's threshold, 0.01 (all three);
- redraws/s of the samples chart (points over the discriminator's map), the manifold (noise
  grid) and the curves while the ring trains at max speed, chart mounts, and blank charts in
  samples taken every 0.25 s; the same for the Playground's map in the same run (the
  reference: GAN / Playground is the figure to read on a shared machine);
- where a frame's time goes, for both pages: the server's frame build (median CPU time of the
  last 64 builds, from nnp/load) and the redraw interval the load monitor sends, and the
  browser's main-thread time per frame (Chrome's Performance metrics: all tasks, and the
  script, layout and style work within them);
- the page's training speed (epochs/s from the status line) against the engine alone in this
  process (the reference, same run): their ratio is what the live page costs;
- the digits GAN: seconds from Play until the recognisability measure (ui/gan/judge.py: the
  share of 64 generated digits a digits classifier reads with >= 90 % confidence and that lie
  as close to a real digit as 95 % of real held-out digits) reaches 0.5, the "digit-like" line.

Goals (issue 15): >= 10 redraws/s of samples, map and grid, no blank frames; each convergent
preset covers every mode within 20 s of Play; the digit grid digit-like within 60 s.
The machine is shared and noisy: rates are over whole windows, the load is printed.
Stops what it starts by PID.

Usage: python bench/bench_gan.py [--seconds 10] [--limit 60] [--skip-presets] [--skip-digits]
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread

# isort: split

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

from bench_compare import start_server, stop  # noqa: E402

from engine import GAN_PRESETS, GanTrainer  # noqa: E402
from engine.gan import DISTANCE_THRESHOLD  # noqa: E402
from ui.live.runner import FETCH_OVERHEAD  # noqa: E402

STATUS = "h4.nnp-status"
LIVE = ("samples", "manifold", "losses", "distance")


def stats(page) -> dict:
    return page.evaluate("JSON.parse(JSON.stringify(window.__nnp || {}))")


def status(page) -> str:
    return page.locator(STATUS).inner_text()


def figure(text: str, name: str) -> float:
    m = re.search(name + r" ([\d.,]+)", text)
    return float(m[1].replace(",", "")) if m else math.nan


def blank(page, keys) -> list[str]:
    return page.evaluate("""(keys) => keys.filter(k => {
        const el = document.querySelector(`.nnp-chart[data-key="${k}"]`);
        return !el || !el.querySelector('.main-svg') || el.getBoundingClientRect().height < 50;
    })""", list(keys))


def server_load(url: str) -> dict:
    """The server's nnp/load answer: `frame_cost_ms` is the median CPU time of its last 64
    frame builds plus the overhead of delivering one, `interval` the redraw interval it sends."""
    try:
        with urllib.request.urlopen(f"{url}/nnp/load", timeout=5) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return {}


def busy(cdp) -> dict:
    """The page's main-thread time so far (s): all its tasks, and the script, layout and
    style work within them (Chrome's Performance domain)."""
    m = {x["name"]: x["value"] for x in cdp.send("Performance.getMetrics")["metrics"]}
    return {k: m.get(k, 0.0) for k in ("TaskDuration", "ScriptDuration", "LayoutDuration",
                                       "RecalcStyleDuration")}


def drawing(b0: dict, b1: dict, redraws: int) -> str:
    """The browser's main-thread time per redraw between two `busy` readings."""
    per = {k: 1000 * (b1[k] - b0[k]) / max(1, redraws) for k in b0}
    return (f"{per['TaskDuration']:.0f} ms a frame (script {per['ScriptDuration']:.0f}, "
            f"layout {per['LayoutDuration']:.0f}, style {per['RecalcStyleDuration']:.0f})")


def engine_rate(seconds: float = 3.0) -> float:
    """Epochs/s of the ring preset's trainer alone in this process (the reference)."""
    t = GanTrainer(GAN_PRESETS["ring"].config)
    t.run(1)
    t0, e0 = time.perf_counter(), t.epoch
    while time.perf_counter() - t0 < seconds:
        t.run(1)
    return (t.epoch - e0) / (time.perf_counter() - t0)


def open_playground(browser, url: str):
    """The reference's tab: the Playground's default network at max speed, paused."""
    tab = browser.new_page(viewport={"width": 1400, "height": 1000})
    tab.goto(f"{url}/Playground")
    tab.locator('.nnp-chart[data-key="map"] .main-svg').first.wait_for(timeout=60_000)
    tab.wait_for_timeout(1500)
    thumb = tab.get_by_role("slider", name="Speed (epochs per second)")
    thumb.focus()
    tab.keyboard.press("End")
    tab.wait_for_timeout(800)
    return tab


def window(tab, url: str, seconds: float, keys, watch=None) -> dict:
    """Play `tab`, let it settle 3 s, then measure for `seconds`: redraws/s of `keys`, the
    server's frame (nnp/load), the browser's main-thread time per frame, epochs/s from the
    status line, and what `watch(tab)` says every 0.25 s (True: a blank chart); then Pause."""
    tab.get_by_role("button", name="Play", exact=True).click()
    tab.get_by_role("button", name="Pause", exact=True).wait_for()
    tab.wait_for_timeout(3000)
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("Performance.enable")
    s0, b0, e0, t0 = stats(tab), busy(cdp), figure(status(tab), "Epoch"), time.monotonic()
    looks = blanks = 0
    while time.monotonic() - t0 < seconds:
        tab.wait_for_timeout(250)
        if watch is not None:
            looks += 1
            blanks += bool(watch(tab))
    s1, b1, dt = stats(tab), busy(cdp), time.monotonic() - t0
    out = {"rates": {k: (s1[k]["updates"] - s0[k]["updates"]) / dt for k in keys},
           "served": server_load(url),
           "draw": drawing(b0, b1, s1[keys[0]]["updates"] - s0[keys[0]]["updates"]),
           "epochs": (figure(status(tab), "Epoch") - e0) / dt, "looks": looks,
           "blanks": blanks, "mounts": {k: s1[k]["mounts"] for k in keys},
           "kinds": {k: (s1[k]["full"] - s0[k]["full"], s1[k]["partial"] - s0[k]["partial"])
                     for k in keys}}
    tab.get_by_role("button", name="Pause", exact=True).click()
    tab.get_by_role("button", name="Play", exact=True).wait_for()
    cdp.detach()
    return out


def play_until(page, done, limit: float) -> float:
    """Seconds from Play until done(status text), or nan after `limit` s (then paused)."""
    page.get_by_role("button", name="Play", exact=True).click()
    t0 = time.monotonic()
    took = math.nan
    while time.monotonic() - t0 < limit:
        if done(status(page)):
            took = time.monotonic() - t0
            break
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="redraw measuring window")
    ap.add_argument("--limit", type=float, default=60.0, help="longest wait for a preset")
    ap.add_argument("--skip-presets", action="store_true", help="only redraws and digits")
    ap.add_argument("--skip-digits", action="store_true", help="no digits GAN")
    ap.add_argument("--rounds", type=int, default=3,
                    help="alternating windows of the GAN page and the Playground")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    log = Path("/tmp/bench_gan_server.log")
    proc, url = start_server(log)
    print(f"server pid {proc.pid} at {url}; {os.cpu_count()} cores; load {os.getloadavg()}")
    presets = {}
    gan_rounds, pg_rounds = [], []
    digits_time = final = math.nan
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/GAN")
            page.locator(STATUS).wait_for(timeout=90_000)
            page.locator('.nnp-chart[data-key="samples"] .main-svg').first.wait_for()
            page.wait_for_timeout(1500)
            for name in () if args.skip_presets else ("ring", "moons", "line"):
                page.get_by_role("button", name=GAN_PRESETS[name].label, exact=True).click()
                page.wait_for_function("() => /^Epoch 0 /.test(document.querySelector("
                                       "'h4.nnp-status').innerText)", timeout=30_000)
                page.wait_for_timeout(1000)
                covered = distance = math.nan
                t0 = time.monotonic()

                def done(text, t0=t0, name=name):
                    nonlocal covered, distance
                    t = time.monotonic() - t0
                    if name == "ring" and math.isnan(covered) and "modes 8 of 8" in text:
                        covered = t
                    if math.isnan(distance) and figure(text, "distance") < DISTANCE_THRESHOLD:
                        distance = t
                    return not math.isnan(distance) and (name != "ring"
                                                          or not math.isnan(covered))

                play_until(page, done, args.limit)
                presets[name] = (covered, distance)
            # Redraw rates while the ring trains at max speed, in rounds that alternate with
            # the Playground's (the reference), so that both see the same load.
            page.get_by_role("button", name="Ring of 8", exact=True).click()
            page.wait_for_timeout(1500)
            tab = open_playground(browser, url)
            for _ in range(args.rounds):
                gan_rounds.append(window(page, url, args.seconds, LIVE,
                                         lambda p: blank(p, LIVE)))
                pg_rounds.append(window(tab, url, args.seconds, ("map", "loss")))
            tab.close()
            if not args.skip_digits:  # the digits GAN
                page.get_by_text("Digits (8×8)").click()
                page.locator('.nnp-chart[data-key="grid"] .main-svg').first.wait_for(
                    timeout=60_000)
                page.wait_for_timeout(1500)
                digits_time = play_until(page, lambda t: figure(t, "recognisable") >= 0.5,
                                         max(args.limit, 90.0))
                final = figure(status(page), "recognisable")
            browser.close()
    finally:
        stop(proc)
    engine_alone = engine_rate()

    def ok(v: bool) -> str:
        return "met" if v else "NOT met"

    def cost(load: dict) -> str:
        if not load:
            return "?"
        build = load["frame_cost_ms"] - 1000 * FETCH_OVERHEAD
        return f"build {build:.1f} ms (median CPU), interval {load['interval']} s"

    for name, (covered, distance) in presets.items():
        cov = f"every mode covered after {covered:.1f} s, " if name == "ring" else ""
        print(f"preset {name}: {cov}distance < {DISTANCE_THRESHOLD} after {distance:.1f} s  "
              f"goal <= 20 s: {ok(max(distance, covered if name == 'ring' else 0) <= 20)}")
    for i, (g, p) in enumerate(zip(gan_rounds, pg_rounds, strict=True)):
        print(f"round {i + 1}: GAN redraws/s " + ", ".join(
            f"{k} {v:.1f}" for k, v in g["rates"].items())
              + f"; Playground map {p['rates']['map']:.1f}, loss {p['rates']['loss']:.1f}; "
              f"GAN samples / Playground map {g['rates']['samples'] / p['rates']['map']:.2f}")
        print(f"  server's frame: GAN {cost(g['served'])}; Playground {cost(p['served'])}")
        print(f"  browser's main thread: GAN {g['draw']}; Playground {p['draw']}")

    def median(values) -> float:
        v = sorted(values)
        return v[len(v) // 2] if len(v) % 2 else 0.5 * (v[len(v) // 2 - 1] + v[len(v) // 2])

    rates = {k: median(g["rates"][k] for g in gan_rounds) for k in LIVE}
    reference = median(p["rates"]["map"] for p in pg_rounds)
    ratio = median(g["rates"]["samples"] / p["rates"]["map"]
                   for g, p in zip(gan_rounds, pg_rounds, strict=True))
    print("redraws/s while training (median of the rounds): " + ", ".join(
        f"{k} {v:.1f}" for k, v in rates.items())
          + f"  goal >= 10: {ok(min(rates[k] for k in ('samples', 'manifold')) >= 10)}")
    print(f"reference, same run: the Playground's map {reference:.1f} redraws/s; GAN samples / "
          f"Playground map (median of the rounds' ratios): {ratio:.2f}")

    def build_ms(rounds) -> float:
        return median(r["served"].get("frame_cost_ms", math.nan) for r in rounds) \
            - 1000 * FETCH_OVERHEAD

    print(f"server's frame build (median CPU, median of the rounds): GAN "
          f"{build_ms(gan_rounds):.1f} ms, Playground {build_ms(pg_rounds):.1f} ms")
    mounts = {k: max(g["mounts"][k] for g in gan_rounds) for k in LIVE}
    print(f"mounts (goal 1 each): {mounts}; blank samples: "
          f"{sum(g['blanks'] for g in gan_rounds)} of {sum(g['looks'] for g in gan_rounds)}")
    print(f"(whole redraws, partial ones) in the windows: "
          f"{[g['kinds'] for g in gan_rounds]}")
    page_rate = median(g["epochs"] for g in gan_rounds)
    print(f"training: page {page_rate:.1f} epochs/s, engine alone {engine_alone:.1f} epochs/s "
          f"(same run): ratio {page_rate / engine_alone:.2f}")
    if not args.skip_digits:
        print(f"digits GAN: recognisable >= 0.5 after {digits_time:.1f} s (last {final:.2f})  "
              f"goal <= 60 s: {ok(digits_time <= 60)}")
    print(f"load at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
