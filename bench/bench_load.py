"""A classroom on one server: per-user redraws/s and epochs/s, request latency, server CPU and
memory for 1, 5, 10, 20 and 40 users playing at once, measured server-side with browser-less
users (bench/load_client.py: each opens the Playground over Streamlit's websocket, presses Play
and fetches frames from the frame route as the page's script does; nothing is drawn).

  - levels: for each number of users, all open the page, press Play (default speed, 100
    epochs/s), play WARM seconds, then are measured for WINDOW seconds, then close their tabs.
    Goal at 20 users: each >= 5 redraws/s and >= 60 epochs/s (TensorFlow Playground's single
    user), min >= 0.8 x median.
  - `--baseline REF`: the same levels first against the app at git REF (exported with `git
    archive` to a temporary folder), in the same run, for a before/after.
  - `--replicas 2`: the same levels against N replicas behind HAProxy (deploy/haproxy.cfg, as
    `make serve-replicas` starts them), for capacity from 1 to N replicas.
  - `--soak MINUTES`: USERS (20) users play for MINUTES; the server's memory every 10 s, its
    growth per minute after the first, then every tab closes and the time until no session
    plays and no training thread is left; then 100 sessions opened and closed one by one must
    leave no runner open.

The machine is shared and noisy: compare figures of the same run. The users' own process runs
on the same two cores and its CPU is reported too.

Usage: python bench/bench_load.py [--users 1,5,10,20,40] [--window 20] [--warm 6]
                                  [--baseline REF] [--replicas N] [--soak MINUTES]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import runtime  # noqa: E402, F401 - before NumPy: one BLAS thread (the clients' process)

# isort: split

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "deploy"))

from load_client import (  # noqa: E402
    Server,
    User,
    cpu_seconds,
    rates,
    rss_mb,
)

GOAL_REDRAWS, GOAL_EPOCHS, GOAL_FAIR = 5.0, 60.0, 0.8


def status(url: str) -> dict:
    """The server's (or, behind HAProxy, one replica's) nnp/load answer."""
    with urllib.request.urlopen(f"{url}/nnp/load", timeout=5) as r:
        return json.loads(r.read())


async def open_users(url: str, n: int, query: str = "") -> list[User]:
    """`n` users open the Playground (four at a time, as a class arrives) and press Play."""
    users = [User(url, query=query) for _ in range(n)]
    gate = asyncio.Semaphore(4)

    async def one(u: User) -> None:
        async with gate:
            try:
                await u.open(timeout=120)
                if "Play" not in u.buttons:  # the page failed: say what it showed
                    u.errors.append(f"no Play button; the page showed {u.texts[-3:]}")
                    return
                await u.click("Play", timeout=120)
                if u.live_url is None:
                    u.errors.append(f"not playing; the page showed {u.texts[-3:]}")
            except (OSError, TimeoutError) as e:
                u.errors.append(f"open: {type(e).__name__}: {e}")

    await asyncio.gather(*(one(u) for u in users))
    return users


def threads_of(url: str) -> dict | None:
    """CPU seconds of the server's threads by kind and of its frames (nnp/load), None when it
    does not say."""
    try:
        s = status(url)
    except (OSError, ValueError):
        return None
    if "thread_cpu_s" not in s or "frame_cpu_s" not in s:
        return None
    return s["thread_cpu_s"] | {"frame_cpu_s": s["frame_cpu_s"],
                                "frames_built": s["frames_built"]}


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


async def level(url: str, pids: list[int], n: int, warm: float, window: float) -> dict:
    """`n` users playing: their rates over `window` seconds after `warm`."""
    users = await open_users(url, n)
    t_start = time.perf_counter() + warm
    t_end = t_start + window
    loops = [asyncio.ensure_future(u.play_frames(t_end)) for u in users if u.live_url]
    await asyncio.sleep(max(0.0, t_start - time.perf_counter()))
    before = threads_of(url) if len(pids) == 1 else None
    c0, s0, me0 = time.monotonic(), sum(cpu_seconds(p) for p in pids), time.process_time()
    load0 = os.getloadavg()[0]
    await asyncio.gather(*loops)
    dt = time.monotonic() - c0
    split = ""
    try:
        seen = status(url)
        cost = f"{seen['frame_cost_ms']:.1f} ms, interval {seen['interval']} s"
        if before is not None and "thread_cpu_s" in seen:
            # Worker threads come and go (their CPU leaves with them): frames are counted by
            # what building them cost, the rest of the process's CPU is the remainder.
            th = seen["thread_cpu_s"]
            parts = {"training": th["training"] - before["training"],
                     "frame builds": seen["frame_cpu_s"] - before["frame_cpu_s"],
                     "event loop": th["server"] - before["server"],
                     "script runs": th["script runs"] - before["script runs"]}
            total = sum(cpu_seconds(p) for p in pids) - s0
            parts["rest (requests, JSON)"] = total - sum(parts.values())
            built = seen["frames_built"] - before["frames_built"]
            split = ", ".join(f"{k} {100 * v / dt:.0f} %" for k, v in parts.items()) + (
                f"; {1000 * parts['frame builds'] / max(built, 1):.2f} ms a frame built")
    except (OSError, ValueError, KeyError):
        cost = "?"
    server_cpu = 100 * (sum(cpu_seconds(p) for p in pids) - s0) / dt
    client_cpu = 100 * (time.process_time() - me0) / dt
    mem = sum(rss_mb(p) for p in pids)
    per = [rates(u, t_start, t_end) for u in users]
    errors = [e for u in users for e in u.errors]
    for u in users:
        await u.close()
    redraws = [p["redraws"] for p in per]
    epochs = [p["epochs"] for p in per]
    if split:  # the training CPU per epoch, with the epochs the users saw
        split += f", {1000 * parts['training'] / max(dt * sum(epochs), 1e-9):.3f} ms an epoch"
    lat = [x for p in per for x in p["latency"]]
    return {"users": n, "redraws_min": min(redraws), "redraws_med": statistics.median(redraws),
            "epochs_min": min(epochs), "epochs_med": statistics.median(epochs),
            "lat_med": pct(lat, 0.5), "lat_p90": pct(lat, 0.9), "cpu": server_cpu,
            "client_cpu": client_cpu, "mem": mem, "size": statistics.median(p["size"]
                                                                             for p in per),
            "errors": errors, "cost": cost, "threads": split,
            "loadavg": (load0 + os.getloadavg()[0]) / 2}


async def settle(url: str, timeout: float = 30.0) -> None:
    """Wait until no session plays on the server (its users have closed their tabs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if status(url)["playing"] == 0:
                return
        except OSError:
            pass
        except ValueError:  # a server without nnp/load (the baseline): give it a while
            await asyncio.sleep(3.0)
            return
        await asyncio.sleep(0.5)


def show(label: str, r: dict) -> None:
    ok = (r["redraws_min"] >= GOAL_REDRAWS and r["epochs_min"] >= GOAL_EPOCHS
          and r["redraws_min"] >= GOAL_FAIR * r["redraws_med"]
          and r["epochs_min"] >= GOAL_FAIR * r["epochs_med"])
    goal = f"  goal(20): {'MET' if ok else 'not met'}" if r["users"] == 20 else ""
    print(f"{label:<10} {r['users']:>3} users | redraws/s min {r['redraws_min']:5.1f} "
          f"med {r['redraws_med']:5.1f} | epochs/s min {r['epochs_min']:5.1f} "
          f"med {r['epochs_med']:5.1f} | latency med {1000 * r['lat_med']:5.0f} ms "
          f"p90 {1000 * r['lat_p90']:5.0f} ms | server CPU {r['cpu']:4.0f} % "
          f"mem {r['mem']:4.0f} MB | frame {r['size'] / 1000:4.1f} kB | users' CPU "
          f"{r['client_cpu']:3.0f} % | redraw cost {r['cost']}{goal}"
          + (f" | {len(r['errors'])} errors: {r['errors'][:2]}" if r["errors"] else ""),
          flush=True)
    if r.get("threads"):
        print(f"{'':<10} server's threads (% of a core): {r['threads']}; machine load "
              f"{r['loadavg']:.1f}", flush=True)


async def levels(label: str, url: str, pids: list[int], counts: list[int], warm: float,
                 window: float) -> list[dict]:
    out = []
    for n in counts:
        r = await level(url, pids, n, warm, window)
        show(label, r)
        out.append(r)
        await settle(url)
    return out


def export(ref: str) -> Path:
    """The app at git `ref`, in a temporary folder (`git archive`)."""
    dest = Path(tempfile.mkdtemp(prefix="nnp-base-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


async def soak(url: str, pid: int, users_n: int, minutes: float) -> bool:
    """`users_n` users play for `minutes`: memory every 10 s; then the tabs close."""
    users = await open_users(url, users_n)
    t0 = time.perf_counter()
    end = t0 + 60 * minutes
    loops = [asyncio.ensure_future(u.play_frames(end)) for u in users if u.live_url]
    samples = []
    while time.perf_counter() < end:
        samples.append((time.perf_counter() - t0, rss_mb(pid)))
        print(f"  t={samples[-1][0]:5.0f} s  rss {samples[-1][1]:6.1f} MB  "
              f"playing {status(url)['playing']}", flush=True)
        await asyncio.sleep(min(10.0, max(0.0, end - time.perf_counter())))
    await asyncio.gather(*loops)
    samples.append((time.perf_counter() - t0, rss_mb(pid)))
    growth = slope([(t, m) for t, m in samples if t >= 60])
    late = slope([(t, m) for t, m in samples if t >= samples[-1][0] / 2])
    redraws = [len(u.samples) / (60 * minutes) for u in users]
    epochs = [u.samples[-1].epoch / (60 * minutes) for u in users if u.samples]
    print(f"soak: {users_n} users for {minutes:g} min, redraws/s min "
          f"{min(redraws):.1f} med {statistics.median(redraws):.1f}, epochs/s med "
          f"{statistics.median(epochs):.1f}; memory {samples[0][1]:.0f} -> "
          f"{samples[-1][1]:.0f} MB, growth after the first minute {growth:+.2f} MB/min "
          f"(goal < 1), over the second half {late:+.2f} MB/min", flush=True)
    print(f"  (each run's history grows to 4,000 rows, 0.2 MB, before it thins itself: at "
          f"{statistics.median(epochs):.0f} epochs/s a run reaches that after "
          f"{4000 / max(statistics.median(epochs), 1e-9):.0f} s)", flush=True)
    t_close = time.perf_counter()
    for u in users:
        await u.close()
    gone = None
    while time.perf_counter() - t_close < 10:
        s = status(url)
        if s["playing"] == 0 and s["runners"] == 0:
            gone = time.perf_counter() - t_close
            break
        await asyncio.sleep(0.05)
    s = status(url)
    took = f"{gone:.2f} s" if gone is not None else "more than 10 s"
    print(f"tabs closed: no session playing and no runner open after {took} (goal <= 2 s); "
          f"training threads left: {s['training_threads']} (the one scheduler thread, idle)",
          flush=True)
    before = rss_mb(pid)
    ok_churn = await churn(url, 100)
    print(f"  memory {before:.0f} MB before the 100 sessions, {rss_mb(pid):.0f} MB after",
          flush=True)
    return late < 1 and gone is not None and gone <= 2 and ok_churn


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) points, in MB per minute (nan for fewer than 2)."""
    if len(points) < 2:
        return float("nan")
    ts, ms = zip(*points, strict=True)
    tm, mm = statistics.mean(ts), statistics.mean(ms)
    return 60 * sum((t - tm) * (m - mm) for t, m in points) / max(
        sum((t - tm) ** 2 for t in ts), 1e-9)


async def churn(url: str, n: int) -> bool:
    """`n` sessions opened, played briefly and closed one after another leave nothing."""
    for _ in range(n):
        u = User(url)
        await u.open()
        await u.click("Play")
        await u.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        s = status(url)
        if s["playing"] == 0 and s["runners"] == 0:
            break
        await asyncio.sleep(0.1)
    print(f"{n} sessions opened and closed: {s['runners']} runners open, {s['playing']} "
          f"playing afterwards (goal 0 and 0); {s.get('channels', '?')} closed runners still "
          f"in memory (Streamlit keeps a closed tab's session for server.disconnectedSessionTTL, "
          f"120 s, at most 128 of them, so that a tab that reconnects finds its state)",
          flush=True)
    return s["runners"] == 0 and s["playing"] == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", default="1,5,10,20,40")
    ap.add_argument("--warm", type=float, default=6.0)
    ap.add_argument("--window", type=float, default=20.0)
    ap.add_argument("--baseline", help="git ref to measure first, in the same run")
    ap.add_argument("--replicas", type=int, default=0,
                    help="also measure N replicas behind HAProxy")
    ap.add_argument("--soak", type=float, default=0.0, help="minutes of the soak (0: none)")
    ap.add_argument("--soak-users", type=int, default=20)
    args = ap.parse_args()
    counts = [int(x) for x in args.users.split(",") if x]
    logs = Path(tempfile.mkdtemp(prefix="nnp-load-"))
    print(f"load bench on {os.cpu_count()} cores (shared: compare figures of this run only); "
          f"logs in {logs}", flush=True)

    def one_server(root: Path, label: str, log: str) -> None:
        server = Server(root, logs / log).start()
        try:
            asyncio.run(levels(label, server.url, [server.pid], counts, args.warm, args.window))
        finally:
            server.stop()

    if args.baseline:
        base = export(args.baseline)
        try:
            one_server(base, f"base {args.baseline}"[:10], "base.log")
        finally:
            shutil.rmtree(base, ignore_errors=True)
    if args.soak:
        server = Server(ROOT, logs / "soak.log").start()
        try:
            ok = asyncio.run(soak(server.url, server.pid, args.soak_users, args.soak))
        finally:
            server.stop()
        print("soak:", "PASSED" if ok else "FAILED")
        return
    one_server(ROOT, "1 process", "server.log")
    if args.replicas:
        from replicas import Replicas  # deploy/replicas.py

        with Replicas(ROOT, args.replicas, logs) as rep:
            asyncio.run(levels(f"{args.replicas} replicas", rep.url, rep.pids, counts,
                               args.warm, args.window))


if __name__ == "__main__":
    main()
