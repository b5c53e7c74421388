"""Frames of the live panel, and the route through which the browser fetches them itself while
training plays.

A Streamlit fragment run costs the browser about 30 ms of React work per redraw on top of the
drawing itself, and the server a script run; with several users on two cores that, not the
charts, set the redraw rate. So while a session plays, its live charts ask the server for the
next frame directly (`GET nnp/live/<token>`), draw it, and ask again after the interval the
load calls for: no script run, no widget tree, and the rate adapts by itself, since a busy
browser asks less often. Streamlit still draws every frame outside playing (Step, Reset, a
changed setting), through the same `build`.

The route exists when the app is served by `serve.py` (`st.App` with ROUTES). Under
`streamlit run app.py` or AppTest it does not, `served()` is false, and the panel falls back to
fragments that rerun on a timer.

Each session's `Channel` is registered under an unguessable token; the registry lives in a
module of its own in `sys.modules` so that Streamlit's reload of changed project modules
cannot split it between the route and the pages.
"""

import json
import secrets
import sys
import threading
import time
import types
import weakref
from dataclasses import dataclass, field

from ui.playground import view as views

from .runner import FETCH_OVERHEAD, LOAD, Runner

PATH = "nnp/live"  # the route, relative to the app's root
INTERNALS_EVERY = 4  # the internals charts come with one frame in this many (per session
#                     playing: under load they slow down first)


def _registry() -> types.ModuleType:
    reg = sys.modules.get("_nnp_live_registry")
    if reg is None:
        fresh = types.ModuleType("_nnp_live_registry")
        fresh.channels = weakref.WeakValueDictionary()
        fresh.served = False
        reg = sys.modules.setdefault("_nnp_live_registry", fresh)
    return reg


def served() -> bool:
    """Whether this process serves the frame route (the app was started with serve.py)."""
    return _registry().served


@dataclass
class Channel:
    """What the route needs of one session: its runner (weakly: the session owns it), the view
    options the page last drew with, and a frame counter shared by both ways of drawing, so
    that the browser never replaces a newer frame with an older one."""

    runner: weakref.ref
    view: views.ViewOptions = field(default_factory=views.ViewOptions)
    internals: bool = True
    seq: int = 0
    polls: int = 0
    interval: float | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"{PATH}/{self.token}"


def channel(r: Runner) -> Channel:
    """The runner's channel, registered for the route (created on first use)."""
    ch = getattr(r, "live_channel", None)
    if ch is None:
        ch = r.live_channel = Channel(weakref.ref(r))
    _registry().channels[ch.token] = ch  # again on every run: survives a module reload
    return ch


@dataclass
class Frame:
    seq: int
    playing: bool
    status: str
    snap: views.Snapshot
    figs: dict


def build(ch: Channel, internals: bool = False) -> Frame:
    """One frame of the channel's runner: status line, diagram, map, loss (and with
    `internals`, the accuracy, weights, gradients and confusion charts), numbered. Copies under
    the runner's lock, builds the figures outside it; the build's CPU time feeds the load
    monitor."""
    t0 = time.thread_time()
    r = ch.runner()
    if r is None:
        raise LookupError("the session has ended")
    opts = ch.view
    with r.lock:
        snap = views.snapshot(r.trainer, opts)
        ins = views.internals(r.trainer) if internals else None
        playing, eps, run_id = r.playing, r.epochs_per_s, r.run_id
        with ch.lock:
            ch.seq += 1
            seq = ch.seq
    figs = views.build_figures(snap, opts, run_id)
    if ins is not None:
        figs.update(views.internal_figures(ins, run_id))
    LOAD.record_frame(time.thread_time() - t0)
    return Frame(seq, playing, views.status_line(snap, eps if playing else 0.0), snap, figs)


def poll(token: str, want_internals: bool) -> bytes | None:
    """The route's answer for `token`: the next frame as JSON, with the interval after which
    to ask again; None for an unknown token or an ended session."""
    ch = _registry().channels.get(token)
    r = ch.runner() if ch is not None else None
    if r is None or r.closed:
        return None
    with ch.lock:
        ch.polls += 1
        every = INTERNALS_EVERY * max(1, LOAD.n_playing)
        internals = want_internals and ch.internals and ch.polls % every == 1 % every
        ch.interval = LOAD.frame_interval(ch.interval)
        interval = ch.interval
    f = build(ch, internals)
    return json.dumps({"seq": f.seq, "steps": f.snap.steps, "playing": f.playing,
                       "status": f.status, "interval": interval, "figs": f.figs},
                      separators=(",", ":")).encode()


async def endpoint(request):
    """GET nnp/live/<token>[?internals=1]: the session's next frame (JSON), 404 when the
    session is gone. The frame is built in a worker thread, off the server's event loop."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, Response

    body = await run_in_threadpool(poll, request.path_params["token"],
                                   request.query_params.get("internals") == "1")
    if body is None:
        return JSONResponse({"error": "no such session"}, status_code=404,
                            headers={"Cache-Control": "no-store"})
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def routes() -> list:
    """The routes serve.py mounts next to Streamlit's; mounting them turns on `served()`."""
    from starlette.routing import Route

    _registry().served = True
    LOAD.overhead = FETCH_OVERHEAD
    return [Route(f"/{PATH}/{{token}}", endpoint, methods=["GET"])]
