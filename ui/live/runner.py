"""Background training for one browser session.

A Runner owns a trainer that trains while `playing`; the page only reads from it to draw. Any
trainer of the engine will do (the 2-D Trainer, or the image, sequence and GAN trainers): the
runner needs `step()`, `run(epochs)`, `apply(config)`, `steps_per_epoch`, `epoch`, `steps`,
`status`, `config` and `custom_data`. Every access to the trainer goes through `runner.lock`.

One scheduler thread per server process trains every playing runner in turn, a slice each per
cycle, instead of a thread per session: twenty threads waking 40 times a second spend their
time fighting for the GIL. All playing runners share one training budget (a share of one core,
counted in CPU time, so that it holds whatever a batch costs: a runner that overruns its slice
pays it back in later cycles), so that redraws and widgets stay responsive however many
sessions train; the redraw interval grows with the load instead of collapsing. The thread never
calls Streamlit. A process plays at most MAX_PLAYING sessions at once: the next one is refused
with a message (FULL) instead of slowing everyone down.
"""

import collections
import os
import threading
import time
import weakref
from collections.abc import Callable

import numpy as np

from engine import DIVERGED, RUNNING, STOPPED, Trainer

# A run that diverges overflows on its way to inf: the trainer reports it as its status.
QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}

CYCLE = 0.025  # seconds per cycle of the scheduler: every playing runner trains a slice
TRAIN_SHARE = 0.6  # fraction of one core all training together may use (one playing)
TRAIN_SHARE_SHARED = 0.5  # the same when several sessions play: their redraws need the GIL
# ... and when a crowd plays (CROWD sessions or more): each one's slice is small, its redraws come
# at an interval the load sets, and the class still wants TensorFlow Playground's 60 epochs/s
# each. Measured with 20 browser-less users (bench_load, same run): training 0.5 and redraws 0.4
# gave 4.7 redraws/s and 67 epochs/s each, 0.6 and 0.5 gave 5.7 and 77. Below a crowd 0.5 stays:
# with five real browsers on the server's two cores (bench_live) 0.6 cost them ~8 % of redraws.
TRAIN_SHARE_CROWD = 0.6
CROWD = 10
DRAW_SHARE = 0.5  # fraction of one core all redraws together may use
FRAME_OVERHEAD = 0.006  # server CPU seconds of a redraw outside the fragment's body (measured:
#                         Streamlit's script-run bookkeeping, protobufs, the websocket write)
FETCH_OVERHEAD = 0.001  # the same for a frame the page fetches (serve.py): the HTTP request and
#                         the JSON (measured 0.6 ms over the frame's own 3.6 ms)
FRAME_WINDOW = 64  # redraws whose median cost sets the interval
HYSTERESIS = 0.8  # a faster interval is taken only when the wanted one is this far below it
LOCK_SLICE = 0.004  # longest time training holds a runner's lock at once (s)
# The server's GIL switch interval (serve.py; Python's default: 5 ms), in ms in NNP_SWITCH_MS.
SWITCH_INTERVAL = float(os.environ.get("NNP_SWITCH_MS", "5")) / 1000
MAX_SLICE = 0.005  # most CPU seconds one session trains in a turn when it has credit to spare
CATCH_UP = 0.5  # longest wall time one cycle's budget may make up for (a cycle came late)
RATE_WINDOW = 0.5  # seconds over which a runner's epochs/s is measured
# Redraws come first. A session whose frames the browser fetches later than asked (the server or
# the machine is too busy to build and draw them at the interval) trains on less of its budget,
# down to PACE_MIN, until its frames come on time again; then its training takes its full share.
LAG_HIGH = 1.25  # frames this much later than asked (poll gap / interval): train less
LAG_LOW = 1.1  # frames on time within this: train more again
PACE_DOWN, PACE_UP = 0.85, 1.1  # the pace's steps
PACE_MIN = 0.3  # the least of its budget a session's training keeps
LAG_IGNORE = 2.0  # seconds: a longer gap is a pause (a hidden tab, a rebuild), not lateness
MAX_PLAYING = int(os.environ.get("NNP_MAX_PLAYING", "40"))  # sessions playing per process
FULL = ("This server is full, try again in a minute: "
        f"{MAX_PLAYING} sessions are training on it already.")
SPEEDS = {"1": 1.0, "3": 3.0, "10": 10.0, "30": 30.0, "100": 100.0, "300": 300.0,
          "1000": 1000.0, "max": None}  # epochs per second; None: as fast as allowed
# Redraw intervals (s). The fastest is a little under 0.1 s: the browser's timer ticks come late
# when its main thread is busy, and 10 redraws per second must still arrive.
FRAME_LEVELS = (0.08, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.5, 0.75, 1.0)


class LoadMonitor:
    """Process-wide: which runners are playing and what a redraw costs the server."""

    def __init__(self):
        self._playing: weakref.WeakSet = weakref.WeakSet()
        self._lock = threading.Lock()
        self._costs: collections.deque = collections.deque([0.01], maxlen=FRAME_WINDOW)
        self.overhead = FRAME_OVERHEAD  # FETCH_OVERHEAD when frames are fetched (live_frames)
        self.built, self.built_cpu = 0, 0.0  # frames built in this process, and their CPU seconds

    def set_playing(self, runner: "Runner", playing: bool) -> bool:
        """Mark `runner` playing or not; False (and nothing changes) when it would be one more
        than MAX_PLAYING."""
        with self._lock:
            if not playing:
                self._playing.discard(runner)
            elif runner not in self._playing:
                if len(self._playing) >= MAX_PLAYING:
                    return False
                self._playing.add(runner)
        return True

    def playing(self) -> list:
        """The runners playing now."""
        with self._lock:
            return list(self._playing)

    @property
    def n_playing(self) -> int:
        return len(self._playing)

    @property
    def frame_cost(self) -> float:
        """Server CPU seconds of one redraw: the median of the last FRAME_WINDOW frame builds
        (robust to the odd slow one) plus the overhead of delivering one."""
        with self._lock:
            costs = sorted(self._costs)
        return costs[len(costs) // 2] + self.overhead

    def record_frame(self, cpu_seconds: float) -> None:
        """Record the CPU time (thread time, not wall time: under load the wall time counts
        the waits for the GIL several times over) one redraw's fragment body took."""
        with self._lock:
            self._costs.append(cpu_seconds)
            self.built += 1
            self.built_cpu += cpu_seconds

    def frame_interval(self, current: float | None = None) -> float:
        """Redraw interval so that all playing sessions' redraws use at most DRAW_SHARE of a
        core: the fastest level for one session, longer under load. With the `current`
        interval given, a faster one is taken only when the load is clearly lower (hysteresis),
        so the interval does not swing between two levels."""
        wanted = self.frame_cost * max(1, self.n_playing) / DRAW_SHARE
        slower = next((f for f in FRAME_LEVELS if f >= wanted), FRAME_LEVELS[-1])
        if current is None or slower >= current:
            return slower
        faster = next((f for f in FRAME_LEVELS if f * HYSTERESIS >= wanted), FRAME_LEVELS[-1])
        return min(faster, current)

    def train_share(self) -> float:
        """Fraction of one core all training together may use."""
        n = self.n_playing
        return TRAIN_SHARE if n <= 1 else TRAIN_SHARE_SHARED if n < CROWD else TRAIN_SHARE_CROWD

    def train_budget(self) -> float:
        """Seconds (CPU) of training per cycle for each playing runner."""
        return CYCLE * self.train_share() / max(1, self.n_playing)


LOAD = LoadMonitor()


class Scheduler:
    """The process's one training thread: every cycle it trains each playing runner for its
    slice of the budget, in turn (starting with a different one each cycle), then sleeps so
    that training keeps to its share of a core. Started on the first Play; it waits without
    waking while nothing plays."""

    def __init__(self):
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.turn = 0
        self.cycles = 0
        self.train_cpu = 0.0  # CPU seconds spent training, in total (for benchmarks)
        self._t_last: float | None = None  # when the previous cycle started

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="nnp-training")
                self._thread.start()
        self._wake.set()

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _run(self) -> None:
        with np.errstate(**QUIET):
            while True:
                runners = [r for r in LOAD.playing() if r.playing and not r.closed]
                if not runners:
                    self._wake.wait()
                    self._wake.clear()
                    self._t_last = None
                    continue
                self.cycle(runners)

    def cycle(self, runners: list) -> None:
        """One cycle: a slice for each of `runners`, then the rest that keeps the share."""
        t0, c0 = time.perf_counter(), time.thread_time()
        share = LOAD.train_share()
        # The share of the wall time since the previous cycle: a cycle that came late (the
        # GIL was busy with redraws) trains a little more, so the share holds per second.
        since = CYCLE if self._t_last is None else min(t0 - self._t_last, CATCH_UP)
        self._t_last = t0
        budget = since * share / len(runners)
        k = self.turn % len(runners)
        self.turn += 1
        cap = CATCH_UP * share / len(runners)
        for r in runners[k:] + runners[:k]:
            r._slice(budget * r.pace, t0, cap * r.pace)
        used = time.thread_time() - c0
        self.train_cpu += used
        self.cycles += 1
        elapsed = time.perf_counter() - t0
        # Idle long enough that used / (used + idle) <= share; time spent waiting for the GIL
        # (elapsed - used) was idle for this thread already. Always yield a little.
        rest = max(CYCLE - elapsed, used * (1 - share) / share - (elapsed - used))
        time.sleep(max(rest, 0.001))


SCHEDULER = Scheduler()
_RUNNERS: weakref.WeakSet = weakref.WeakSet()  # every runner of the process


def open_runners() -> int:
    """Runners not closed yet (one per session on a training page)."""
    return sum(not r.closed for r in list(_RUNNERS))


class Runner:
    """A trainer, trained by the scheduler while `playing`. `build(config, data)` makes a
    trainer (the 2-D Trainer by default)."""

    def __init__(self, config, data=None, build: Callable = Trainer):
        self.lock = threading.RLock()
        self.build = build
        self.trainer = build(config, data)
        self.run_id = 0  # grows on every rebuild, so charts can reset their zoom
        self.playing = False
        self.speed: float | None = None
        self.epochs_per_s = 0.0
        self.error = ""
        self._closed = False
        self.live_channel = None  # live_frames.Channel: how the browser fetches frames
        self.pace = 1.0  # the share of its training budget the runner takes (see note_lag)
        # The scheduler's book-keeping: CPU seconds of credit (negative: an overrun to pay
        # back), units due at the chosen speed, when the last slice was, the CPU cost of a
        # unit, and where the epochs/s window started.
        self._credit, self._owed, self._last, self._unit_cost = 0.0, 0.0, None, 0.0
        self._mark: tuple | None = None
        _RUNNERS.add(self)

    # --- commands from the page ------------------------------------------------------------
    def play(self) -> None:
        """Start training; refused with the message FULL (in `error`) when the process already
        plays MAX_PLAYING sessions."""
        with self.lock:
            if self._closed:
                return
            if not LOAD.set_playing(self, True):
                self.error = FULL
                return
            self.playing = True
            self.error = ""
            self._credit, self._owed, self._last, self._mark = 0.0, 0.0, None, None
        SCHEDULER.wake()

    def note_lag(self, lag: float) -> None:
        """The browser fetched a frame `lag` times the interval it was asked to wait: when the
        frames come late, training takes less of its budget (PACE_DOWN, at least PACE_MIN), so
        that the redraws get the server's (and the machine's) time back; when they come on
        time, it takes more again (PACE_UP, up to all of it)."""
        if lag > LAG_HIGH:
            self.pace = max(PACE_MIN, self.pace * PACE_DOWN)
        elif lag < LAG_LOW:
            self.pace = min(1.0, self.pace * PACE_UP)

    def pause(self) -> None:
        with self.lock:
            self.playing = False
        LOAD.set_playing(self, False)

    def step_epoch(self) -> None:
        with self.lock:
            self.trainer.run(1)

    def step_batch(self) -> None:
        with self.lock, np.errstate(**QUIET):
            self.trainer.step()

    @property
    def progress(self) -> int:
        """Mini-batch steps trained so far (marks which state a frame shows)."""
        return self.trainer.steps

    def apply(self, config) -> bool:
        """Apply new settings (live or rebuild); ValueError leaves everything as it was."""
        with self.lock:
            rebuilt = self.trainer.apply(config)
            if rebuilt:
                self.run_id += 1
            return rebuilt

    def reset(self, config=None, data=None, keep_data: bool = True) -> None:
        """Fresh weights (and data) for `config` (default: the current one)."""
        with self.lock:
            cfg = config or self.trainer.config
            custom = data if data is not None else (self.trainer.custom_data if keep_data
                                                    else None)
            self.trainer = self.build(cfg, custom)
            self.run_id += 1

    def replace_trainer(self, trainer) -> None:
        with self.lock:
            self.trainer = trainer
            self.run_id += 1

    def close(self) -> None:
        """Stop training for good (the session has ended): the scheduler drops the runner
        at once (waiting at most for the batch it is training)."""
        with self.lock:
            self._closed = True
            self.playing = False
        LOAD.set_playing(self, False)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def alive(self) -> bool:
        """Whether the runner is being trained now."""
        t = SCHEDULER.thread
        return self.playing and not self._closed and t is not None and t.is_alive()

    # --- what training advances: overridden by GroupRunner ---------------------------------
    def _units_per_epoch(self) -> int:
        """Units of `_advance` in one epoch: mini-batch steps here."""
        return self.trainer.steps_per_epoch

    def _epoch(self) -> int:
        return self.trainer.epoch

    def _advance(self, n: int) -> tuple[int, bool]:
        """Train up to `n` units under the lock; returns (units done, whether training is over)."""
        with self.lock:
            t = self.trainer
            done = t.steps
            for _ in range(n):
                t.step()
                if t.status != RUNNING:
                    break
            return t.steps - done, t.status in (STOPPED, DIVERGED)

    # --- a slice of the scheduler's cycle ---------------------------------------------------
    def _slice(self, budget: float, now: float, cap: float | None = None) -> None:
        """Train for this cycle's `budget` of CPU seconds, less what earlier slices overran,
        in chunks that hold the lock at most about LOCK_SLICE; at most as fast as `speed`.
        Credit left over (cycles that came late) is kept up to `cap` and spent at most
        MAX_SLICE at a time, so that the sessions keep taking turns often."""
        self._credit = min(self._credit + budget, max(cap or 0.0, 2 * budget))
        spend = min(self._credit, max(budget, MAX_SLICE))
        start = self._credit
        try:
            if self.speed is not None:
                per_epoch = self._units_per_epoch()
                dt = CYCLE if self._last is None else now - self._last
                self._owed = min(self._owed + self.speed * dt * per_epoch,
                                 self.speed * per_epoch)
            self._last = now
            while start - self._credit < spend and self.playing:
                left = spend - (start - self._credit)
                cost = self._unit_cost
                n = max(1, int(min(left, LOCK_SLICE) / cost)) if cost else 1
                if self.speed is not None:
                    n = min(n, int(self._owed))
                    if n <= 0:
                        break
                c0 = time.thread_time()
                with self.lock:  # (re-entrant) no step once pause() or close() returned
                    if not self.playing:
                        break
                    done, stopped = self._advance(n)
                took = time.thread_time() - c0
                self._credit -= took
                self._owed -= done
                if done:
                    unit = took / done
                    self._unit_cost = unit if not cost else 0.7 * cost + 0.3 * unit
                if stopped:
                    self.pause()
                    break
                if not done:
                    break
            self._measure(now)
        except Exception as e:  # noqa: BLE001 - shown to the user, never lost silently
            self.error = f"training stopped: {type(e).__name__}: {e}"
            self.pause()

    def _measure(self, now: float) -> None:
        """Epochs per second over the last RATE_WINDOW (waits for the GIL and turns included)."""
        run_id, epoch = self.run_id, self._epoch()
        m = self._mark
        if m is None or m[1] != run_id or epoch < m[2]:
            self._mark = (now, run_id, epoch)
        elif now - m[0] >= RATE_WINDOW:
            rate = (epoch - m[2]) / (now - m[0])
            self.epochs_per_s = rate if not self.epochs_per_s else \
                0.5 * self.epochs_per_s + 0.5 * rate
            self._mark = (now, run_id, epoch)


class GroupRunner(Runner):
    """Several Trainers advanced in lockstep, one epoch each at a time: the runs
    of a comparison. A run that diverges or stops is left as it is while the others carry on;
    training is over when every run is."""

    def __init__(self, configs: list, labels: list[str], data=None, build: Callable = Trainer):
        super().__init__(configs[0], data, build)
        self.trainers = [self.trainer, *(build(c, data) for c in configs[1:])]
        self.labels = list(labels)

    def step_epoch(self) -> None:
        self._advance(1)

    @property
    def progress(self) -> int:
        return sum(t.steps for t in self.trainers)

    def apply(self, config) -> bool:
        raise NotImplementedError("a comparison is rebuilt with reset_runs")

    def reset_runs(self, configs: list, labels: list[str], data=None) -> None:
        """New runs from fresh weights."""
        trainers = [self.build(c, data) for c in configs]  # a ValueError changes nothing
        with self.lock:
            self.trainers, self.trainer, self.labels = trainers, trainers[0], list(labels)
            self.run_id += 1

    def reset(self, config=None, data=None, keep_data: bool = True) -> None:
        with self.lock:
            configs = [t.config for t in self.trainers]
            data = data if data is not None else (self.trainer.custom_data if keep_data
                                                  else None)
        self.reset_runs(configs, self.labels, data)

    def replace_trainer(self, trainer) -> None:
        raise NotImplementedError("a comparison is rebuilt with reset_runs")

    def _units_per_epoch(self) -> int:
        return 1

    def _epoch(self) -> int:
        return max(t.epoch for t in self.trainers)

    def _advance(self, n: int) -> tuple[int, bool]:
        """`n` lockstep epochs: every run still training trains one epoch, in turn."""
        with self.lock:
            done = 0
            for _ in range(n):
                active = [t for t in self.trainers if t.status not in (STOPPED, DIVERGED)]
                if not active:
                    return done, True
                for t in active:
                    t.run(1)
                done += 1
            return done, all(t.status in (STOPPED, DIVERGED) for t in self.trainers)
