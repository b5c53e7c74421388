"""Frames of a live panel, and the route through which the browser fetches them itself while
training plays.

A Streamlit fragment run costs the browser about 30 ms of React work per redraw on top of the
drawing itself, and the server a script run; with several users on two cores that, not the
charts, set the redraw rate. So while a session plays, its live charts ask the server for the
next frame directly (`GET nnp/live/<token>`), draw it, and ask again after the interval the
load calls for: no script run, no widget tree, and the rate adapts by itself, since a busy
browser asks less often. Streamlit still draws every frame outside playing (Step, Reset, a
changed setting), through the same `build`.

What a frame holds is the page's: its `LiveView` copies what it needs out of the runner (under
the runner's lock) and turns that copy into figures (outside it). A frame holds the "main"
charts, the "slow" ones or "all": the slow ones come with one fetched frame in `SLOW_EVERY`
(times the number of sessions playing: under load they slow down first), and only when the
page shows them.

The route exists when the app is served by `serve.py` (`st.App` with ROUTES). Under
`streamlit run app.py` or AppTest it does not, `served()` is false, and the panel falls back to
fragments that rerun on a timer.

Each session's `Channel` is registered under an unguessable token, in a process-wide registry
(streamlit_internals.process_registry). A token unknown to the process (the session ended, or
the server restarted and a load balancer sent the request to another replica) gets a 404 whose
message the page shows: press Play again. Frames go uncompressed: they are mostly PNG already.
`GET nnp/load` tells what the process carries (`load()`): for the load bench, the replica
tests and monitoring.
"""

import json
import os
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

from .runner import FETCH_OVERHEAD, LAG_IGNORE, LOAD, SCHEDULER, Runner, open_runners
from .streamlit_internals import process_registry

PATH = "nnp/live"  # the route, relative to the app's root
LOAD_PATH = "nnp/load"  # what the process carries (JSON)
SLOW_EVERY = 4  # slow charts come with one frame in this many (per session playing)


class LiveView(Protocol):
    """What a training page supplies to draw its live panel: a view of its runner. `what` is
    "main", "slow" or "all": which charts the frame holds."""

    slow: bool  # whether the page shows its slow charts at all

    def snapshot(self, runner: Runner, what: str) -> Any:
        """Copy what the figures need out of the runner (called under its lock, so: quick)."""

    def figures(self, snap: Any, run_id: int, what: str) -> dict[str, dict]:
        """The figures of a frame, by chart key (called outside the lock)."""

    def status(self, snap: Any, epochs_per_s: float) -> str:
        """The status line ("Epoch 1,234 · ...")."""


def _registry():
    return process_registry("live", channels=weakref.WeakValueDictionary(), served=False)


def served() -> bool:
    """Whether this process serves the frame route (the app was started with serve.py)."""
    return _registry().served


@dataclass
class Channel:
    """What the route needs of one session: its runner (weakly: the session owns it), the view
    the page last drew with, and a frame counter shared by both ways of drawing, so that the
    browser never replaces a newer frame with an older one."""

    runner: weakref.ref
    view: LiveView | None = None
    seq: int = 0
    polls: int = 0
    interval: float | None = None
    last_poll: float | None = None  # when the browser last fetched a frame (perf_counter)
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"{PATH}/{self.token}"


def channel(r: Runner) -> Channel:
    """The runner's channel, registered for the route (created on first use)."""
    ch = r.live_channel
    if ch is None:
        ch = r.live_channel = Channel(weakref.ref(r))
    _registry().channels[ch.token] = ch  # again on every run: survives a module reload
    return ch


@dataclass
class Frame:
    seq: int
    playing: bool
    progress: int  # the runner's progress (steps): marks which state a chart shows
    status: str
    snap: Any
    figs: dict


def build(ch: Channel, what: str = "main") -> Frame:
    """One frame of the channel's runner, numbered: the status line and the charts `what`
    ("main", "slow" or "all"). Copies under the runner's lock, builds the figures outside it;
    the build's CPU time feeds the load monitor."""
    t0 = time.thread_time()
    r, view = ch.runner(), ch.view
    if r is None or view is None:
        raise LookupError("the session has ended")
    if not view.slow:
        what = "main"
    with r.lock:
        snap = view.snapshot(r, what)
        playing, eps, run_id, progress = r.playing, r.epochs_per_s, r.run_id, r.progress
        with ch.lock:
            ch.seq += 1
            seq = ch.seq
    figs = view.figures(snap, run_id, what)
    LOAD.record_frame(time.thread_time() - t0)
    return Frame(seq, playing, progress, view.status(snap, eps if playing else 0.0), snap, figs)


def poll(token: str, want_slow: bool) -> bytes | None:
    """The route's answer for `token`: the next frame as JSON, with the interval after which
    to ask again; None for an unknown token or an ended session."""
    ch = _registry().channels.get(token)
    r = ch.runner() if ch is not None else None
    if r is None or r.closed or ch.view is None:
        return None
    with ch.lock:
        ch.polls += 1
        now = time.perf_counter()
        if ch.last_poll is not None and ch.interval and now - ch.last_poll < LAG_IGNORE:
            r.note_lag((now - ch.last_poll) / ch.interval)
        ch.last_poll = now
        every = SLOW_EVERY * max(1, LOAD.n_playing)
        slow = want_slow and ch.polls % every == 1 % every
        ch.interval = LOAD.frame_interval(ch.interval)
        interval = ch.interval
    f = build(ch, "all" if slow else "main")
    return json.dumps({"seq": f.seq, "steps": f.progress, "playing": f.playing,
                       "status": f.status, "interval": interval, "figs": f.figs},
                      separators=(",", ":")).encode()


GONE = ("The server restarted, or this session ended: the training shown here is gone. "
        "Press Play again (your settings are kept in the page's address).")
# Frames are mostly base64 PNG: gzip saves about a third of their size for 1-2 ms of the
# server's CPU a frame (a third of building one), so they go uncompressed.
HEADERS = {"Cache-Control": "no-store", "Content-Encoding": "identity"}


async def endpoint(request):
    """GET nnp/live/<token>[?slow=1]: the session's next frame (JSON), 404 with a message when
    the session is gone. The frame is built in a worker thread, off the server's event loop."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, Response

    body = await run_in_threadpool(poll, request.path_params["token"],
                                   request.query_params.get("slow") == "1")
    if body is None:
        return JSONResponse({"error": "no such session", "message": GONE}, status_code=404,
                            headers={"Cache-Control": "no-store"})
    return Response(body, media_type="application/json", headers=HEADERS)


# What the process's threads do, by the start of their names: the CPU time of each kind.
THREAD_KINDS = (("nnp-training", "training"), ("trainer-", "training"),
                ("AnyIO worker", "frames"), ("MainThread", "server"),
                ("ScriptRunner", "script runs"))


def thread_cpu() -> dict[str, float]:
    """CPU seconds used so far by the process's live threads, by kind (THREAD_KINDS; "other"
    for the rest). Threads that have ended are not counted."""
    out = {kind: 0.0 for _, kind in THREAD_KINDS} | {"other": 0.0}
    for t in threading.enumerate():
        kind = next((k for prefix, k in THREAD_KINDS if t.name.startswith(prefix)), "other")
        try:
            out[kind] += time.clock_gettime(time.pthread_getcpuclockid(t.ident))
        except (OSError, TypeError, AttributeError, OverflowError):  # ended, or no such clock
            pass
    return {k: round(v, 3) for k, v in out.items()}


def load() -> dict:
    """What this process carries: its replica's name (NNP_REPLICA), its process id, the
    sessions playing, the runners open, the frame channels registered, what a redraw costs,
    the redraw interval now, the training threads, the CPU seconds of each kind of thread
    (`thread_cpu`), and the frames built and their CPU seconds, in total."""
    return {"replica": os.environ.get("NNP_REPLICA", ""), "pid": os.getpid(),
            "playing": LOAD.n_playing, "runners": open_runners(),
            "channels": len(_registry().channels),
            "frame_cost_ms": round(1000 * LOAD.frame_cost, 2),
            "interval": LOAD.frame_interval(),
            "train_cpu_s": round(SCHEDULER.train_cpu, 3), "train_cycles": SCHEDULER.cycles,
            "training_threads": sum(t.name == "nnp-training" or t.name.startswith("trainer-")
                                    for t in threading.enumerate()),
            "thread_cpu_s": thread_cpu(), "frames_built": LOAD.built,
            "frame_cpu_s": round(LOAD.built_cpu, 3)}


async def load_endpoint(request):
    """GET nnp/load: `load()` as JSON (for the load bench, the replica tests, monitoring)."""
    from starlette.responses import JSONResponse

    return JSONResponse(load(), headers={"Cache-Control": "no-store"})


def routes() -> list:
    """The routes serve.py mounts next to Streamlit's; mounting them turns on `served()`."""
    from starlette.routing import Route

    _registry().served = True
    LOAD.overhead = FETCH_OVERHEAD
    return [Route(f"/{PATH}/{{token}}", endpoint, methods=["GET"])]


def load_routes() -> list:
    """The route of `load()`, which serve.py mounts too."""
    from starlette.routing import Route

    return [Route(f"/{LOAD_PATH}", load_endpoint, methods=["GET"])]
