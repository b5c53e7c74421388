"""The Compare page live, measured end to end in headless Chromium.

Starts its own server (`streamlit run serve.py` on 127.0.0.1, a free port, no file watcher),
opens the Compare page with 2, 4 and 6 runs (activations varied on spiral, 8-8-8 tanh
network, speed "max"), and prints for each: redraws/s of the map grid and of the loss chart as
drawn in the browser, chart remounts, and epochs/s of every run. Then, with four runs
training: the time from a click until the page shows its effect (Pause -> the Play button;
the log-scale toggle -> the loss chart's axis), as medians of several tries. Goals (issue 4):
at least 5 redraws per second with four runs; controls respond within 0.3 s.

The machine is shared and noisy: rates are over whole windows and the 2-run case is the
reference measured in the same run; latencies are medians. Stops what it starts by PID.

Usage: python bench/bench_compare.py [--seconds 10] [--tries 7]
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread

# isort: split

from engine import Config  # noqa: E402
from ui.compare.model import Comparison  # noqa: E402

ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "elu", "silu")
BASE = Config(dataset="spiral", hidden=(8, 8, 8), optimizer="adam", lr=0.01)
ROWS = '[data-testid="stTable"] tbody tr'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true",
           "--server.fileWatcherType", "none"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError("server did not start:\n" + log.read_text()[-2000:])
        time.sleep(0.25)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, 9)
            proc.wait()


def stats(page) -> dict:
    return page.evaluate("JSON.parse(JSON.stringify(window.__nnp || {}))")


def epochs(page) -> list[int]:
    rows = page.locator(ROWS)
    return [int(rows.nth(i).locator("td").first.inner_text().replace(",", ""))
            for i in range(rows.count())]


def open_comparison(page, url: str, n: int) -> None:
    cmp = Comparison(BASE, "activation", ACTIVATIONS[:n])
    page.goto(f"{url}/Compare?{urlencode(cmp.to_query())}")
    page.locator(ROWS).nth(n - 1).wait_for(timeout=90_000)
    page.get_by_text("Speed (epochs per second").wait_for()
    # Speed "max": the slider's last stop.
    thumb = page.get_by_role("slider", name="Speed (epochs per second, each run)")
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_timeout(800)
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()


def measure_rates(page, seconds: float) -> dict:
    page.wait_for_timeout(3000)  # warm up: the redraw interval settles
    s0, e0, t0 = stats(page), epochs(page), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    s1, e1, t1 = stats(page), epochs(page), time.monotonic()
    dt = t1 - t0
    return {"maps": (s1["cmp_maps"]["updates"] - s0["cmp_maps"]["updates"]) / dt,
            "loss": (s1["cmp_loss"]["updates"] - s0["cmp_loss"]["updates"]) / dt,
            "mounts": max(s1["cmp_maps"]["mounts"], s1["cmp_loss"]["mounts"]),
            "epochs": [(b - a) / dt for a, b in zip(e0, e1, strict=True)]}


def latency(page, click, condition: str) -> float:
    """Seconds from the click's mousedown in the page until `condition` (JS) holds, both on
    the page's clock (Playwright's own time before the click does not count)."""
    page.evaluate("""() => { window.__hit = null; window.__down = null;
        if (!window.__downListener) { window.__downListener = true;
          window.addEventListener("mousedown", () => { window.__down = performance.now(); },
                                  true); } }""")
    click()
    page.wait_for_function(f"() => ({condition}) && (window.__hit = performance.now())",
                           polling="raf", timeout=30_000)
    return (page.evaluate("window.__hit") - page.evaluate("window.__down")) / 1000.0


def control_latencies(page, tries: int) -> dict[str, list[float]]:
    out = {"pause": [], "log": []}
    loss_axis = ("(() => { const el = document.querySelector('.nnp-chart[data-key=\"cmp_loss\"]');"
                 " return el && el._fullLayout && el._fullLayout.yaxis.type; })()")
    for i in range(tries):
        out["pause"].append(latency(
            page, lambda: page.get_by_role("button", name="Pause", exact=True).click(),
            "[...document.querySelectorAll('button[kind=primary]')]"
            ".some(b => b.innerText.trim().endsWith('Play'))"))
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).wait_for()
        page.wait_for_timeout(1000)
        want = "log" if i % 2 == 0 else "linear"
        out["log"].append(latency(
            page, lambda: page.get_by_text("Log-scale loss").click(),
            f"{loss_axis} === '{want}'"))
        page.wait_for_timeout(1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="measuring window per case")
    ap.add_argument("--tries", type=int, default=7, help="clicks per latency figure")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.gettempdir()) / "bench_compare_server.log"
    proc, url = start_server(log)
    print(f"server pid {proc.pid} at {url}; Chromium {chromium}; {os.cpu_count()} cores")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            results = {}
            for n in (2, 4, 6):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                open_comparison(page, url, n)
                r = results[n] = measure_rates(page, args.seconds)
                ok = "" if n != 4 else ("  goal >= 5: " + ("met" if min(r["maps"], r["loss"])
                                                           >= 5 else "NOT met"))
                print(f"{n} runs: redraws/s maps {r['maps']:.1f}, loss {r['loss']:.1f}; "
                      f"remounts {r['mounts'] - 1}; epochs/s per run "
                      f"{', '.join(f'{e:.0f}' for e in r['epochs'])}{ok}")
                if n == 4:
                    lat = control_latencies(page, args.tries)
                    for name, xs in lat.items():
                        med = statistics.median(xs)
                        print(f"4 runs training, {name} click -> on screen: median "
                              f"{med:.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, "
                              f"{len(xs)} tries)  goal <= 0.3 s: "
                              f"{'met' if med <= 0.3 else 'NOT met'}")
                page.close()
            ref = results[2]["maps"]
            print("redraws/s relative to 2 runs: " + ", ".join(
                f"{n} runs {results[n]['maps'] / ref:.2f}" for n in results))
            browser.close()
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
