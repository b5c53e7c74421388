"""Live training in the browser: redraw rate, training speed, slider latency, many users,
memory and clean-up, measured end to end with a real Streamlit server and headless Chromium.

The script starts its own server (`streamlit run serve.py` on 127.0.0.1, a free port, file
watcher off so that edits to the sources during a run cannot reload modules under the
measurement) and drives Debian's Chromium through Playwright. It prints one line per figure
with its goal, then a summary, and stops everything it started by PID.

  a) one user, default network, speed "max": redraws/s of the map, loss curve and network
     diagram, remounts, blank frames, epochs/s; the same for TensorFlow Playground's heavy case
     (spiral, 7 features, 6x8), both against TensorFlow Playground's 59 and 15 epochs/s.
  b) slider latency while training (learning rate, keyboard on the slider thumb).
  c) 5 (then 10) users on one server: redraws/s each, server CPU, the redraw interval.
  d) memory of one user training for 120 s (--long: 600 s): VmRSS every 10 s.
  e) closing the tab stops training: server CPU before and after.

Engine-only epochs/s (no Streamlit, same process as the script) is measured in the same run as
the ceiling the page's numbers are compared with. The machine is shared and noisy: rates are
taken over whole windows, latencies are medians. All five users' Chromium tabs run on the same
two cores as the server, which is harder than a classroom, where each browser has its own
machine.

`--script app.py` measures the app without serve.py's frame route (frames sent by fragments on
a timer), for a comparison with the default.

Usage: python bench/bench_live.py [--quick] [--long] [--users 5,10] [--only one,heavy,users]
                                  [--script serve.py|app.py]
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread

# isort: split

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}
CLK_TCK = os.sysconf("SC_CLK_TCK")
TFP_DEFAULT, TFP_HEAVY = 59.0, 15.0  # TensorFlow Playground, measured epochs/s
HEAVY_QUERY = ("?dataset=spiral&features=x1,x2,x1_sq,x2_sq,x1_x2,sin_x1,sin_x2"
               "&hidden=8,8,8,8,8,8")
HEAVY_CONFIG = {"dataset": "spiral", "hidden": (8,) * 6,
                "features": ("x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2")}
CHARTS = ("map", "loss", "net")
EPOCH_RE = re.compile(r"Epoch ([\d,]+)")
RATE_RE = re.compile(r"([\d,]+) epochs/s")

# Recorded in every page before the app loads, on the page's own clock: URL changes (Streamlit
# mirrors the settings into the query string with history.pushState), key presses, websocket
# sends, and live charts removed from the page.
INIT_JS = """(() => {
  window.__nav = [];
  for (const name of ['pushState', 'replaceState']) {
    const orig = history[name].bind(history);
    history[name] = function (state, title, url) {
      const result = orig(state, title, url);
      window.__nav.push({t: performance.now(), url: String(location.href)});
      return result;
    };
  }
  window.__keys = [];
  window.addEventListener('keydown',
                          (e) => window.__keys.push({t: performance.now(), key: e.key}), true);
  window.__sent = [];  // when the page sent something on a websocket (widget changes, reruns)
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    window.__sent.push(performance.now());
    if (window.__sent.length > 200) window.__sent.splice(0, 100);
    return send.call(this, data);
  };
  // Live charts taken off the page (a remount starts with one): which and when.
  window.__removed = [];
  new MutationObserver((muts) => {
    for (const m of muts) for (const n of m.removedNodes) {
      if (n.nodeType !== 1 || n instanceof SVGElement) continue;
      const els = n.classList.contains('nnp-chart') ? [n] : n.getElementsByClassName('nnp-chart');
      for (const el of els) window.__removed.push({t: performance.now(), key: el.dataset.key});
    }
  }).observe(document, {childList: true, subtree: true});
})();"""

# One sample of a page: its clock, the status heading, the chart counters and whether the map
# is visible (non-zero size, plotly's svg and the decision-boundary image inside).
SNAP_JS = """() => {
  const h = [...document.querySelectorAll('h4')].find((e) => e.textContent.startsWith('Epoch'));
  const el = document.querySelector('.nnp-chart[data-key=map]');
  let visible = false;
  if (el) {
    const r = el.getBoundingClientRect();
    visible = r.width > 0 && r.height > 0 && !!el.querySelector('.main-svg') &&
              !!el.querySelector('.main-svg image');
  }
  const s = window.__nnp || {};
  const charts = {};
  for (const k of ['map', 'loss', 'net']) {
    if (s[k]) charts[k] = {mounts: s[k].mounts, updates: s[k].updates, last: s[k].last};
  }
  const loss = document.querySelector('.nnp-chart[data-key=loss]');
  const lossPoints = loss && loss._fullData ? loss._fullData.map((d) => d._length || 0) : [];
  const live = Object.values(window.__nnpLive || {});
  return {t: performance.now(), heading: h ? h.textContent : '', visible, charts, lossPoints,
          visibility: document.visibilityState, removed: window.__removed || [],
          fetched: live.reduce((n, c) => n + (c.fetched || 0), 0),
          interval: live.length ? live[0].interval : null};
}"""


# --- small helpers ---------------------------------------------------------------------------
def line(label: str, value: str, goal: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  [ok]" if ok else "  [MISSED]")
    print(f"  {label:<52} {value:<22} {('(' + goal + ')') if goal else ''}{mark}", flush=True)


T0 = time.monotonic()


def header(text: str) -> None:
    print(f"\n== {text}   [t={time.monotonic() - T0:.0f} s]", flush=True)


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def epoch_of(heading: str) -> int | None:
    m = EPOCH_RE.search(heading)
    return int(m.group(1).replace(",", "")) if m else None


def reported_rate(heading: str) -> float | None:
    m = RATE_RE.search(heading)
    return float(m.group(1).replace(",", "")) if m else None


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) in value per minute."""
    if len(points) < 2:
        return float("nan")
    ts, vs = [p[0] for p in points], [p[1] for p in points]
    mt, mv = statistics.fmean(ts), statistics.fmean(vs)
    den = sum((t - mt) ** 2 for t in ts)
    return 60.0 * sum((t - mt) * (v - mv) for t, v in zip(ts, vs, strict=True)) / den \
        if den else float("nan")


# --- /proc --------------------------------------------------------------------------------------
def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def proc_status(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for row in f:
            if row.startswith(key + ":"):
                return int(row.split()[1])
    return 0


def rss_mb(pid: int) -> float:
    return proc_status(pid, "VmRSS") / 1024.0


def browser_pids(user_data_dir: str) -> set[int]:
    """Chromium's processes for one user-data dir: those naming it and their descendants."""
    children: dict[int, list[int]] = {}
    roots = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
        if user_data_dir.encode() in cmd:
            roots.add(int(entry))
    found, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += children.get(pid, [])
    return found


def group_cpu_seconds(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += proc_cpu_seconds(pid)
        except OSError:
            pass  # exited
    return total


class CpuMeter:
    """CPU % (of one core) of the server and of one Chromium between start() and stop()."""

    def __init__(self, server_pid: int, user_data_dir: str | None = None):
        self.pid, self.ud = server_pid, user_data_dir

    def start(self) -> None:
        self.t0 = time.monotonic()
        self.s0 = proc_cpu_seconds(self.pid)
        self.bpids = browser_pids(self.ud) if self.ud else set()
        self.b0 = group_cpu_seconds(self.bpids)

    def stop(self) -> tuple[float, float]:
        dt = time.monotonic() - self.t0
        server = 100.0 * (proc_cpu_seconds(self.pid) - self.s0) / dt
        browser = 100.0 * (group_cpu_seconds(self.bpids) - self.b0) / dt if self.ud else 0.0
        return server, browser


# --- the server -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, log_path: Path, script: str = "serve.py"):
        self.script = script
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> None:
        cmd = [sys.executable, "-m", "streamlit", "run", self.script,
               "--server.address", "127.0.0.1", "--server.port", str(self.port),
               "--server.headless", "true", "--server.fileWatcherType", "none"]
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start:\n" + self.log_path.read_text()[-2000:])
            time.sleep(0.25)  # no browser session yet

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, 15)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, 9)
            self.proc.wait()


# --- websocket messages of one page --------------------------------------------------------------
class WsStats:
    """For one page, from Streamlit's ForwardMsg protobufs on its websocket: full script runs,
    finished script runs (fragment runs included) and the redraw intervals the server sets
    (auto_rerun messages: recorded when the shortest timer of the page changes)."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._parse = ForwardMsg.FromString
        self._status = ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].enum_type
        self.events: list[tuple[float, str, float]] = []  # (monotonic, kind, interval)
        self.log: list[tuple[float, str]] = []  # every message but deltas, for diagnosis
        self.page = page
        self.clock_offset = 0.0  # monotonic seconds minus the page's performance.now()/1000
        self._timers: dict[str, float] = {}  # fragment id -> its rerun interval
        self._main: float | None = None
        page.on("websocket", self._on_ws)

    def sync_clock(self) -> None:
        m0 = time.monotonic()
        now = self.page.evaluate("performance.now()") / 1000.0
        self.clock_offset = (m0 + time.monotonic()) / 2 - now

    def around(self, page_ms: float, before: float = 1.5, after: float = 0.5) -> list[str]:
        """The non-delta messages received around a moment of the page's clock."""
        t = page_ms / 1000.0 + self.clock_offset
        return [f"{1000 * (e[0] - t):+.0f} ms {e[1]}" for e in self.log
                if -before <= e[0] - t <= after]

    def _on_ws(self, ws) -> None:
        if "_stcore/stream" in ws.url:
            ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload) -> None:
        if not isinstance(payload, bytes | bytearray):
            return
        try:
            msg = self._parse(payload)
        except Exception:  # noqa: BLE001 - not a ForwardMsg
            return
        kind = msg.WhichOneof("type")
        now = time.monotonic()
        if kind != "delta":
            info = {"script_finished": lambda: self._status.values_by_number[
                        msg.script_finished].name,
                    "auto_rerun": lambda: f"{msg.auto_rerun.interval:g}",
                    "session_status_changed": lambda: "running" if
                        msg.session_status_changed.script_is_running else "idle"}
            self.log.append((now, f"{kind} {info.get(kind, str)()}".strip()))
        if kind == "script_finished":
            self.events.append((time.monotonic(), "finished", 0.0))
            # The redraw interval is the shortest fragment timer in force (the live panel's
            # outer fragment, which re-declares the timers, and the internals run slower).
            main = min(self._timers.values()) if self._timers else None
            if main is not None and main != self._main:
                self._main = main
                self.events.append((time.monotonic(), "interval", main))
        elif kind == "navigation":  # sent by every full run, never by a fragment run
            self.events.append((time.monotonic(), "full_run", 0.0))
            self._timers = {}  # a full run clears the page's timers; it sets them again
        elif kind == "auto_rerun":
            self._timers[msg.auto_rerun.fragment_id] = round(msg.auto_rerun.interval, 3)

    def between(self, t0: float, t1: float):
        ev = [e for e in self.events if t0 <= e[0] <= t1]
        full = sum(1 for e in ev if e[1] == "full_run")
        intervals = [round(e[2], 3) for e in ev if e[1] == "interval"]
        finished = sum(1 for e in ev if e[1] == "finished")
        return full, intervals, finished

    def interval_at(self, t: float) -> float | None:
        """The redraw interval in force at monotonic time `t` (the last one set before it)."""
        before = [e[2] for e in self.events if e[1] == "interval" and e[0] <= t]
        return round(before[-1], 3) if before else None


# --- the browser ------------------------------------------------------------------------------
class Browser:
    """One Chromium with a fresh profile (launch_persistent_context)."""

    def __init__(self, pw, chromium: str):
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-live-chromium-")
        self.user_data_dir = self._tmp.name
        self.context = pw.chromium.launch_persistent_context(
            self.user_data_dir, executable_path=chromium, headless=True, args=CHROMIUM_ARGS,
            viewport=VIEWPORT)
        self.context.add_init_script(INIT_JS)
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.context.close()
            self._tmp.cleanup()


class Waiter:
    """Waits with page.wait_for_timeout (so Playwright keeps delivering events) and runs
    periodic jobs (the RSS sampler) while waiting."""

    def __init__(self):
        self.pages: list = []
        self.jobs: list[list] = []  # [period, due, fn]

    def every(self, period: float, fn) -> None:
        fn()
        self.jobs.append([period, time.monotonic() + period, fn])

    def clear_jobs(self) -> None:
        self.jobs.clear()

    def run_jobs(self) -> None:
        now = time.monotonic()
        for job in self.jobs:
            if now >= job[1]:
                job[2]()
                job[1] += job[0]

    def wait(self, seconds: float, step: float = 0.25) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.run_jobs()
            page = next((p for p in reversed(self.pages) if not p.is_closed()), None)
            page.wait_for_timeout(1000 * min(step, left))


def open_tabs(browser: Browser, url: str, n: int = 1, query: str = "",
              timeout_ms: int = 90_000, listen: bool = False) -> list:
    """`n` new tabs on the Playground, loading at the same time; returns them loaded and drawn.
    With `listen`, each also gets a WsStats (`page.ws_stats`)."""
    pages = []
    for _ in range(n):
        page = browser.context.new_page()
        page.set_default_timeout(timeout_ms)
        page.ws_stats = WsStats(page) if listen else None
        page.goto(f"{url}/Playground{query}", wait_until="commit")
        pages.append(page)
    for page in pages:
        page.locator("h4", has_text="Epoch").first.wait_for()
        page.wait_for_function("() => window.__nnp && window.__nnp.map && "
                               "window.__nnp.map.updates > 0 && window.__nnp.loss && "
                               "window.__nnp.net")
    return pages


def open_playground(browser: Browser, url: str, query: str = "", timeout_ms: int = 90_000,
                    listen: bool = False):
    return open_tabs(browser, url, 1, query, timeout_ms, listen)[0]


def slider_thumb(page, label: str):
    return page.locator('[data-testid="stSlider"]', has_text=label).get_by_role("slider")


def play_at_max(page) -> None:
    thumb = slider_thumb(page, "Speed (epochs per second)")
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_function("(el) => el.getAttribute('aria-valuetext') === 'max'",
                           arg=thumb.element_handle())
    # The Play click reruns the script with every widget's value, the speed included.
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for()


def removals(s: dict) -> str:
    """'confusion at 19.8 s, ...': live charts removed from a page (seconds since it loaded)."""
    return ", ".join(f"{r['key']} at {r['t'] / 1000:.1f} s" for r in s["removed"]) or "none"


def snap(page) -> dict:
    return page.evaluate(SNAP_JS)


def rates(a: dict, b: dict) -> dict:
    """Redraws/s per chart and epochs/s between two samples of one page."""
    dt = (b["t"] - a["t"]) / 1000.0
    out = {k: (b["charts"][k]["updates"] - a["charts"][k]["updates"]) / dt for k in CHARTS}
    e0, e1 = epoch_of(a["heading"]), epoch_of(b["heading"])
    out["epochs"] = (e1 - e0) / dt if e0 is not None and e1 is not None else float("nan")
    out["fetched"] = (b["fetched"] - a["fetched"]) / dt  # frames the page fetched itself
    out["seconds"] = dt
    return out


def watch(page, waiter: Waiter, seconds: float, every: float = 0.25) -> dict:
    """Sample `page` every `every` s for `seconds`: rates, blank frames, mounts."""
    first = snap(page)
    samples = [first]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        waiter.wait(every)
        samples.append(snap(page))
    last = samples[-1]
    r = rates(first, last)
    r["samples"] = len(samples)
    r["blank"] = sum(1 for s in samples if not s["visible"])
    r["mounts"] = {k: max(s["charts"][k]["mounts"] for s in samples) for k in CHARTS}
    r["mounts_before"] = {k: first["charts"][k]["mounts"] for k in CHARTS}
    r["reported"] = median([reported_rate(s["heading"]) for s in samples])
    r["last"] = last
    return r


def metered_watch(page, waiter: Waiter, pid: int, browser, seconds: float):
    """Warm up 3 s, then `watch` the page for `seconds` while metering the server's and
    Chromium's CPU. Returns (watch result, window in s, server CPU %, Chromium CPU %,
    (full reruns, redraw intervals set, script runs) from the page's websocket)."""
    waiter.wait(3.0)
    cpu = CpuMeter(pid, browser.user_data_dir)
    cpu.start()
    w0 = time.monotonic()
    result = watch(page, waiter, seconds)
    w1 = time.monotonic()
    srv_cpu, br_cpu = cpu.stop()
    return result, w1 - w0, srv_cpu, br_cpu, page.ws_stats.between(w0, w1)


# --- reference: the engine alone ----------------------------------------------------------------
def engine_rate(config: dict, seconds: float) -> float:
    """Epochs/s of the engine alone (no Streamlit), in this process."""
    from engine import Config, Trainer

    t = Trainer(Config(**config))
    t.run(3)
    e0, t0 = t.epoch, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.run(5)
    return (t.epoch - e0) / (time.perf_counter() - t0)


# --- the sections -------------------------------------------------------------------------------
def slider_latencies(page, n: int, playing: bool) -> dict[str, list]:
    """Move the learning rate 0.03 <-> 0.1 with the keyboard `n` times and time each change
    from the key press (the page's keydown, on the page's clock) to:
      url:    the URL carrying the new lr= (the server has applied it: it writes the URL only
              after the trainer took the setting);
      redraw: while playing, the first map redraw after that (the screen shows training at
              the new rate);
      send:   the page's first websocket send (the browser's own share of the delay).
    A change that never reaches the URL within 10 s counts in `lost`."""
    thumb = slider_thumb(page, "Learning rate")
    out: dict[str, list] = {"url": [], "redraw": [], "send": [], "lost": []}
    for _ in range(n):
        up = thumb.get_attribute("aria-valuetext") != "0.1"
        want = "0.1" if up else "0.03"
        n_nav = page.evaluate("window.__nav.length")
        thumb.focus()
        page.keyboard.press("ArrowRight" if up else "ArrowLeft")
        try:
            page.wait_for_function(
                "([n, w]) => window.__nav.slice(n).some("
                "(x) => new URL(x.url).searchParams.get('lr') === w)", arg=[n_nav, want],
                polling="raf", timeout=10_000)
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError: reported, not fatal
            out["lost"].append(want)
            continue
        key_t, nav_t, send_t = page.evaluate(
            "([n, w]) => { const k = window.__keys[window.__keys.length - 1].t;"
            " return [k, window.__nav.slice(n).find("
            "(x) => new URL(x.url).searchParams.get('lr') === w).t,"
            " window.__sent.find((t) => t >= k)]; }", [n_nav, want])
        out["url"].append(nav_t - key_t)
        out["send"].append(send_t - key_t if send_t is not None else None)
        if playing:
            page.wait_for_function("(t) => window.__nnp.map.last > t", arg=nav_t,
                                   polling="raf", timeout=15_000)
            out["redraw"].append(page.evaluate("window.__nnp.map.last") - key_t)
        page.wait_for_timeout(700)  # let the page settle between changes
    return out


class Bench:
    """The measurements, in order; each group runs even if an earlier one failed."""

    def __init__(self, args):
        q = self.quick = args.quick
        self.win_a = 5 if q else 15  # seconds of each measuring window
        self.win_heavy = 5 if q else 10
        self.win_c = 6 if q else 15
        self.n_lat, self.n_lat_paused = (3, 2) if q else (10, 4)
        self.mem_s = 600 if args.long else (30 if q else 120)
        self.users = [int(u) for u in (args.users or ("5" if q else "5,10")).split(",")]
        self.only = [g.strip() for g in args.only.split(",") if g.strip()]
        self.script = args.script
        self.results: list[tuple[str, str, str, bool | None]] = []
        self.browsers: list[Browser] = []
        self.waiter = Waiter()
        self.one_user_rss: float | None = None

    def report(self, label, value, goal="", ok=None) -> None:
        line(label, value, goal, ok)
        self.results.append((label.strip(), value, goal, ok))

    def run(self, chromium: str) -> None:
        from playwright.sync_api import sync_playwright

        header("reference: the engine alone (no Streamlit), this process")
        self.ref_default = engine_rate({}, 1.0 if self.quick else 2.5)
        self.ref_heavy = engine_rate(HEAVY_CONFIG, 1.0 if self.quick else 2.5)
        line("engine epochs/s, default network (2-4-2-1, circle)", f"{self.ref_default:,.0f}")
        line("engine epochs/s, spiral 7 features 6x8", f"{self.ref_heavy:,.0f}")

        self.server = server = Server(Path(tempfile.mkdtemp(prefix="bench-live-")) / "server.log",
                                      self.script)
        server.start()
        print(f"server pid {server.pid} at {server.url} (log {server.log_path})")
        try:
            time.sleep(2.0)  # no browser session yet
            idle = CpuMeter(server.pid)
            idle.start()
            time.sleep(3.0)
            self.idle_cpu, _ = idle.stop()
            self.idle_rss = rss_mb(server.pid)
            line("server CPU idle (reference)", f"{self.idle_cpu:.1f} %")
            line("server RSS idle (reference)", f"{self.idle_rss:.0f} MB")
            with sync_playwright() as pw:
                # The multi-user browser also keeps a blank tab as the clock for the waits.
                self.b_multi = Browser(pw, chromium)
                self.browsers.append(self.b_multi)
                pages = self.b_multi.context.pages
                self.waiter.pages.append(pages[0] if pages else self.b_multi.context.new_page())
                self.b_one = Browser(pw, chromium)
                self.browsers.append(self.b_one)
                groups = {"one": self.single_user, "heavy": self.heavy,
                          "users": self.multi_user}
                for group in (groups[g] for g in self.only):
                    try:
                        group()
                    except Exception as e:  # noqa: BLE001 - report, then measure the rest
                        import traceback

                        traceback.print_exc()
                        self.report(f"{group.__name__} did not finish", type(e).__name__,
                                    "goal: runs", False)
                        self.waiter.clear_jobs()
                for b in self.browsers:
                    b.close()
                self.browsers.clear()
        finally:
            for b in self.browsers:
                try:
                    b.close()
                except Exception:  # noqa: BLE001 - cleaning up after a failure
                    pass
            server.stop()

    # ---- (a), (b), (d), (e): one user --------------------------------------------------------
    def single_user(self) -> None:
        server, waiter, report = self.server, self.waiter, self.report
        header("a) one user, default network (/Playground), speed max")
        page = open_playground(self.b_one, server.url, listen=True)
        waiter.pages.append(page)
        lat_paused = slider_latencies(page, self.n_lat_paused, playing=False)  # (b) reference

        play_at_max(page)
        t_play = time.monotonic()
        rss_samples: list[tuple[float, float]] = []
        waiter.every(10.0, lambda: rss_samples.append((time.monotonic() - t_play,
                                                       rss_mb(server.pid))))
        a, span, srv_cpu, br_cpu, (full_runs, intervals, runs) = metered_watch(
            page, waiter, server.pid, self.b_one, self.win_a)
        for k, name in (("map", "output map"), ("loss", "loss curve"),
                        ("net", "network diagram")):
            report(f"redraws/s {name}", f"{a[k]:.1f}", "goal >= 10", a[k] >= 10)
        line("frames fetched/s by the page (serve.py's route)", f"{a['fetched']:.1f}",
             f"interval the server asks for: {a['last']['interval']} s")
        line("script runs finished/s on the server (fragment + full)", f"{runs / span:.1f}",
             "with serve.py: ~0 (frames are fetched)")
        report("mounts during training (map, loss, net)",
               "/".join(str(a["mounts"][k]) for k in CHARTS), "goal 1 each",
               all(a["mounts"][k] == 1 for k in CHARTS))
        report("blank map frames (sampled every 0.25 s)", f"{a['blank']} of {a['samples']}",
               "goal 0", a["blank"] == 0)
        report("epochs/s default network (epoch counter)", f"{a['epochs']:,.0f}",
               f"goal >= {10 * TFP_DEFAULT:.0f}", a["epochs"] >= 10 * TFP_DEFAULT)
        line("epochs/s default network (the page's own figure)", f"{a['reported']:,.0f}")
        report("  x TensorFlow Playground (59 epochs/s)", f"{a['epochs'] / TFP_DEFAULT:.1f}x",
               "goal >= 10x", a["epochs"] >= 10 * TFP_DEFAULT)
        line("  share of the engine alone", f"{100 * a['epochs'] / self.ref_default:.0f} %",
             "runner.TRAIN_SHARE = 60 % of a core")
        line("server CPU / Chromium CPU, one user at max", f"{srv_cpu:.0f} % / {br_cpu:.0f} %",
             "% of one core")
        line("full script reruns while playing", f"{full_runs} in {span:.0f} s",
             "each is a whole page run; ideally 0")
        line("redraw intervals set by the server (s)",
             ", ".join(f"{x:g}" for x in intervals) or "unchanged since Play")

        header("b) slider latency while training (Learning rate 0.03 <-> 0.1, keyboard)")
        lat = slider_latencies(page, self.n_lat, playing=True)
        line("paused (reference): key -> URL lr=, median",
             f"{median(lat_paused['url']) / 1000:.3f} s", f"n={len(lat_paused['url'])}")
        line("paused (reference): key -> websocket send, median",
             f"{median(lat_paused['send']) / 1000:.3f} s")
        line("playing: key -> websocket send (browser's share), median",
             f"{median(lat['send']) / 1000:.3f} s")
        report("playing: key -> URL lr= (server applied it), median",
               f"{median(lat['url']) / 1000:.3f} s", "goal <= 0.3 s", median(lat["url"]) <= 300)
        line("  each (ms)", " ".join(f"{x:.0f}" for x in lat["url"]))
        report("playing: key -> first map redraw after it, median",
               f"{median(lat['redraw']) / 1000:.3f} s", "goal <= 0.3 s",
               median(lat["redraw"]) <= 300)
        line("  each (ms)", " ".join(f"{x:.0f}" for x in lat["redraw"]))
        lost = len(lat["lost"]) + len(lat_paused["lost"])
        report("changes that never reached the URL (10 s)",
               f"{lost} of {self.n_lat + self.n_lat_paused}", "goal 0", lost == 0)

        header(f"d) memory, one user training for {self.mem_s} s (VmRSS every 10 s)")
        left = self.mem_s - (time.monotonic() - t_play)
        if left > 0:
            waiter.wait(left)
        waiter.run_jobs()
        waiter.clear_jobs()
        end = snap(page)
        rss = [v for _, v in rss_samples]
        self.one_user_rss = rss[-1]  # the first session also pays for the imports
        warm_from = min(60.0, self.mem_s / 2)  # the allocator settles in the first minute
        warm = [(t, v) for t, v in rss_samples if t >= warm_from - 1] or rss_samples
        line("RSS samples (MB)", " ".join(f"{v:.0f}" for v in rss))
        line("RSS first / last / max", f"{rss[0]:.0f} / {rss[-1]:.0f} / {max(rss):.0f} MB")
        line("RSS slope, whole run", f"{slope_per_minute(rss_samples):+.2f} MB/min")
        # An unthinned history (5 Python numbers per epoch, ~160 bytes) would add ~8 MB/min at
        # 800 epochs/s; a bounded one adds nothing once the allocator has settled.
        slope = slope_per_minute(warm)
        report(f"RSS slope after the first {warm_from:.0f} s", f"{slope:+.2f} MB/min",
               "goal flat: < 3 MB/min", slope < 3.0)
        report("loss curve points drawn (train, test)",
               "/".join(str(n) for n in end["lossPoints"]) +
               f" at epoch {epoch_of(end['heading']):,}", "goal <= 400 each",
               bool(end["lossPoints"]) and max(end["lossPoints"]) <= 400)
        report("mounts after the whole run (map, loss, net)",
               "/".join(str(end["charts"][k]["mounts"]) for k in CHARTS), "goal 1 each",
               all(end["charts"][k]["mounts"] == 1 for k in CHARTS))
        report("any live chart removed from the page (s since load)", removals(end), "goal none",
               not end["removed"])

        header("e) closing the tab stops its training thread")
        cpu = CpuMeter(server.pid)
        cpu.start()
        threads_before = proc_status(server.pid, "Threads")
        waiter.wait(3.0)
        before, _ = cpu.stop()
        page.close()
        t_close = time.monotonic()
        waiter.pages.remove(page)
        self.b_one.close()
        self.browsers.remove(self.b_one)
        drop_after, series = None, []
        for _ in range(10):
            cpu.start()
            waiter.wait(1.0)
            c, _ = cpu.stop()
            series.append(c)
            if drop_after is None and c < self.idle_cpu + 5:
                drop_after = time.monotonic() - t_close
        threads_after = proc_status(server.pid, "Threads")
        line("server CPU, one tab playing at max", f"{before:.0f} %")
        line("server CPU each second after closing", " ".join(f"{c:.0f}" for c in series) + " %")
        report("server CPU 5-10 s after closing", f"{median(series[5:]):.1f} %",
               f"goal near idle ({self.idle_cpu:.1f} %): < idle + 5",
               median(series[5:]) < self.idle_cpu + 5)
        report("time until CPU < idle + 5 %",
               "never" if drop_after is None else f"<= {drop_after:.1f} s",
               "goal within a few seconds", drop_after is not None and drop_after <= 5)
        line("server threads before / after", f"{threads_before} / {threads_after}",
             "the training thread is one of them")

    # ---- (a) heavy network -------------------------------------------------------------------
    def heavy(self) -> None:
        server, waiter, report = self.server, self.waiter, self.report
        header("a) heavy case: spiral, 7 features, 6 hidden layers of 8, speed max")
        page = open_playground(self.b_multi, server.url, HEAVY_QUERY, listen=True)
        waiter.pages.append(page)
        hidden = page.evaluate("new URL(location.href).searchParams.get('hidden')")
        line("network in the URL after loading", f"hidden={hidden}")
        play_at_max(page)
        h, span, srv_cpu, br_cpu, (full_runs, intervals, runs) = metered_watch(
            page, waiter, server.pid, self.b_multi, self.win_heavy)
        report("epochs/s heavy (epoch counter)", f"{h['epochs']:,.0f}",
               f"goal >= {10 * TFP_HEAVY:.0f}", h["epochs"] >= 10 * TFP_HEAVY)
        line("epochs/s heavy (the page's own figure)", f"{h['reported']:,.0f}")
        report("  x TensorFlow Playground (15 epochs/s)", f"{h['epochs'] / TFP_HEAVY:.1f}x",
               "goal >= 10x", h["epochs"] >= 10 * TFP_HEAVY)
        line("  share of the engine alone", f"{100 * h['epochs'] / self.ref_heavy:.0f} %")
        report("redraws/s heavy, map / loss / net", " / ".join(f"{h[k]:.1f}" for k in CHARTS),
               "goal >= 10", min(h[k] for k in CHARTS) >= 10)
        line("frames fetched/s / script runs finished/s", f"{h['fetched']:.1f} / "
             f"{runs / span:.1f}")
        line("server CPU / Chromium CPU, heavy", f"{srv_cpu:.0f} % / {br_cpu:.0f} %")
        line("redraw intervals set by the server (s)",
             ", ".join(f"{x:g}" for x in intervals) or "unchanged",
             f"{full_runs} full reruns in {span:.0f} s")
        line("live charts removed from the page", removals(h["last"]))
        report("heavy: blank frames / mounts",
               f"{h['blank']} / " + "/".join(str(h["mounts"][k]) for k in CHARTS),
               "goal 0 / 1 each", h["blank"] == 0 and all(h["mounts"][k] == 1 for k in CHARTS))
        page.close()
        waiter.pages.remove(page)

    # ---- (c) several users -------------------------------------------------------------------
    def multi_user(self) -> None:
        server, waiter, report = self.server, self.waiter, self.report
        pages: list = []
        ws = None
        reported: dict[int, int] = {}  # page index -> removals already reported
        try:
            for n_users in self.users:
                header(f"c) {n_users} users on one server, all playing at max")
                new = open_tabs(self.b_multi, server.url, n_users - len(pages),
                                timeout_ms=180_000, listen=True)
                ws = ws or new[0].ws_stats
                pages += new
                waiter.pages += new
                for p in new:
                    play_at_max(p)
                    p.ws_stats.sync_clock()
                waiter.wait(5.0)
                cpu = CpuMeter(server.pid, self.b_multi.user_data_dir)
                first = [snap(p) for p in pages]
                cpu.start()
                w0 = time.monotonic()
                blank = n_samples = 0
                while time.monotonic() < w0 + self.win_c:
                    waiter.wait(1.0)
                    for p in pages:  # blank check, every page once a second
                        n_samples += 1
                        blank += not snap(p)["visible"]
                w1 = time.monotonic()
                srv_cpu, br_cpu = cpu.stop()
                last = [snap(p) for p in pages]
                rs = [rates(a, b) for a, b in zip(first, last, strict=True)]
                maps = [r["map"] for r in rs]
                full_runs, intervals, runs = ws.between(w0, w1)
                line("redraws/s of the map, each user", " ".join(f"{x:.1f}" for x in maps))
                sent = [p.ws_stats.between(w0, w1)[2] / (w1 - w0) for p in pages]
                line("frames fetched/s, each user", " ".join(f"{r['fetched']:.1f}" for r in rs),
                     "from serve.py's frame route")
                line("frame interval the server asks for, each user (s)",
                     " ".join(str(s["interval"]) for s in last))
                line("script runs finished/s, each user (server sent)",
                     " ".join(f"{x:.1f}" for x in sent), "timer mode: main + internals")
                report(f"{n_users} users: redraws/s per user, min / median",
                       f"{min(maps):.1f} / {median(maps):.1f}",
                       "goal >= 5" if n_users <= 5 else "goal: adapts, none below 0.5",
                       min(maps) >= (5 if n_users <= 5 else 0.5))
                line("epochs/s per user, median / all users",
                     f"{median([r['epochs'] for r in rs]):,.0f} / "
                     f"{sum(r['epochs'] for r in rs):,.0f}")
                line(f"server CPU ({n_users} users)", f"{srv_cpu:.0f} %",
                     "of one core; 200 % = both cores")
                line(f"Chromium CPU ({n_users} pages)", f"{br_cpu:.0f} %")
                rss = rss_mb(server.pid)
                ref = self.one_user_rss
                line("server RSS", f"{rss:.0f} MB", f"{(rss - ref) / (n_users - 1):+.1f} MB per "
                     f"extra user over one user's {ref:.0f} MB" if ref and n_users > 1 else "")
                remounted = [i for i, s in enumerate(last)
                             if len(s["removed"]) > reported.get(i, 0)]
                report(f"{n_users} users: blank map frames / pages with a new remount",
                       f"{blank} of {n_samples} / {len(remounted)}", "goal 0 / 0",
                       blank == 0 and not remounted)
                for i in remounted:
                    new_removed = last[i]["removed"][reported.get(i, 0):]
                    reported[i] = len(last[i]["removed"])
                    line(f"  user {i + 1}: charts removed (s since its page loaded)",
                         removals({"removed": new_removed}))
                    for r in new_removed[:1]:
                        print("      messages to that page around the first removal:")
                        for text in pages[i].ws_stats.around(r["t"]):
                            print(f"        {text}")
                line("redraw interval of user 1 at the start, then set (s)",
                     f"{ws.interval_at(w0)}; " + (", ".join(f"{x:g}" for x in intervals)
                                                  or "unchanged in the window"),
                     "runner.FRAME_LEVELS: 0.08 ... 1.0")
                line("user 1: full reruns / script runs finished per s",
                     f"{full_runs} / {runs / (w1 - w0):.1f}",
                     "redraws the server sent (main + internals); ideally 0 full reruns")
                line("pages visible (not throttled as background tabs)",
                     f"{sum(s['visibility'] == 'visible' for s in last)} of {len(last)}")
        finally:
            if pages:
                header(f"e) closing all {len(pages)} users' tabs")
                for p in pages:
                    p.close()
                    waiter.pages.remove(p)
                waiter.wait(5.0)
                cpu = CpuMeter(server.pid)
                cpu.start()
                waiter.wait(3.0)
                after, _ = cpu.stop()
                report(f"server CPU 5-8 s after closing {len(pages)} tabs", f"{after:.1f} %",
                       f"goal < idle + 5 ({self.idle_cpu + 5:.1f} %)",
                       after < self.idle_cpu + 5)
                line("server RSS after closing", f"{rss_mb(server.pid):.0f} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short windows, to check it runs")
    ap.add_argument("--long", action="store_true", help="memory run of ten minutes")
    ap.add_argument("--users", default=None, help="user counts for (c), default 5,10")
    ap.add_argument("--script", default="serve.py",
                    help="what the server runs: serve.py (frames fetched by the page) or app.py "
                         "(frames sent by fragments on a timer), for a comparison")
    ap.add_argument("--only", default="one,heavy,users",
                    help="which groups to run: one (a, b, d, e), heavy, users (c, e)")
    args = ap.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not on PATH (Debian package `chromium`)", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    print(f"bench_live: {'quick' if args.quick else 'full'} run of {args.script}, "
          f"{os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    bench = Bench(args)
    try:
        bench.run(chromium)
    finally:
        header("summary")
        for label, value, goal, ok in bench.results:
            line(label, value, goal, ok)
        missed = sum(1 for r in bench.results if r[3] is False)
        print(f"\n{len(bench.results) - missed} of {len(bench.results)} goals met; "
              f"total {time.monotonic() - t0:.0f} s; "
              f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
