"""The transport bar (Play/Pause, Step, Reset, speed) and the live panel of a training page.

The live panel draws the status line and the page's charts from frames of the page's
`LiveView` (ui/live/frames.py). Served by serve.py, the charts fetch their frames themselves
while playing; Streamlit draws them only when something else changes. Otherwise (timer mode)
they are fragments that rerun at the load monitor's interval, inside an outer fragment that
reruns every RETUNE seconds while playing and re-declares them with the interval the load now
calls for: a fragment's `run_every` is only read when it is declared, and this way changing it
costs no whole-page rerun. The slow charts come one frame in `SLOW_EVERY` (times the number of
sessions playing): every chart costs the browser time.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from engine import DIVERGED, STOPPED
from ui.charts.numbers import number

from . import frames
from .components import live_chart, live_status
from .runner import LOAD, SPEEDS, Runner
from .session import LivePage, visible
from .widgets import help_text

RETUNE = 2.0  # seconds between checks of the redraw interval while playing (timer mode)
HINT_WINDOW = 30  # recorded epochs a learning-rate hint looks at


def rate_hint(recent: list[float], lowest: float) -> str | None:
    """A plain hint when the training loss (its `recent` values, and the `lowest` so far)
    swings or grows instead of settling, which a too-large learning rate does long before
    the numbers overflow."""
    if len(recent) < HINT_WINDOW or not all(map(math.isfinite, recent)) or not lowest > 0:
        return None
    last = recent[-1]
    if last > 100 * lowest:
        return (f"The training loss has grown to {number(last / lowest, 3)} times its lowest "
                "value: the learning rate is probably too large. Lower it and train on.")
    rises = sum(b > 1.1 * a for a, b in zip(recent, recent[1:], strict=False))
    if rises >= 0.3 * (len(recent) - 1) and max(recent) > 3 * min(recent) and last > 2 * lowest:
        return ("The training loss jumps up and down instead of settling: each step overshoots. "
                "The learning rate is probably too large; try a smaller one.")
    return None


@dataclass(frozen=True)
class Chart:
    """A chart of the live panel: its key in the frames' figures, its share of the row's
    width, and whether clicks on it are reported to the page."""

    key: str
    width: float = 1.0
    clickable: bool = False


@dataclass(frozen=True)
class Layout:
    """The live panel's charts, as rows: `main` ones in every frame, `slow` ones in one frame in
    a few. `extra(runner)` draws anything else that follows training (a results table): in a
    fragment of its own that reruns every `extra_every` redraws while playing."""

    main: tuple[tuple[Chart, ...], ...]
    slow: tuple[tuple[Chart, ...], ...] = ()
    extra: Callable[[Runner], None] | None = None
    extra_every: int = 3
    header: Callable[[], None] | None = None  # widgets drawn above the charts, in the fragment
    # Anything drawn below the main charts in the same fragment: it follows the header's choices
    # in the same run (a walk through the chosen example) without a whole-page rerun.
    footer: Callable[[], None] | None = None


@dataclass(frozen=True)
class Action:
    """An extra button of a transport bar: `run(runner)` on click, under the key
    `<keys>.<name>`; its help is the help text of `name` (assets/**/help.toml)."""

    name: str
    label: str
    run: Callable[[Runner], None]
    icon: str | None = None


@dataclass
class Transport:
    """What a page's transport bar offers, and the keys of its buttons (`<keys>.play`, ...).
    `labels` renames Step buttons ({"batch": "Step round"}); `extra` buttons follow them."""

    keys: str
    steps: tuple[str, ...] = ("epoch", "batch")  # which Step buttons
    help: dict[str, str] = field(default_factory=dict)  # overrides of the help texts
    speed_label: str = "Speed (epochs per second)"
    labels: dict[str, str] = field(default_factory=dict)
    extra: tuple[Action, ...] = ()


def _noop() -> None:
    """Registers a chart's click event; the click itself is read from the chart's result."""


def transport(page: LivePage, r: Runner, t: Transport) -> None:
    """Play/Pause, the Step buttons, any extra buttons, Reset, and the speed (hidden ones
    left out; `step` hides the extra buttons too)."""
    help_ = {k: t.help.get(k, help_text(k)) for k in
             ("play", "step_epoch", "step_batch", "reset", "speed", *(a.name for a in t.extra))}
    widths = [1.2] + [1] * (len(t.steps) + len(t.extra)) + [1, 2.4]
    cols = st.columns(widths, vertical_alignment="bottom")
    st.session_state[page.key("shown_playing")] = r.playing  # the live panel compares
    if visible("play"):
        if r.playing:
            cols[0].button("Pause", on_click=r.pause, key=f"{t.keys}.pause", type="primary",
                           icon=":material/pause:", width="stretch", help=help_["play"])
        else:
            cols[0].button("Play", on_click=r.play, key=f"{t.keys}.play", type="primary",
                           icon=":material/play_arrow:", width="stretch", help=help_["play"])
    if visible("step"):
        actions = {"epoch": r.step_epoch, "batch": r.step_batch}
        for col, step in zip(cols[1:], t.steps, strict=False):
            col.button(t.labels.get(step, f"Step {step}"), on_click=actions[step],
                       key=f"{t.keys}.step_{step}", width="stretch", help=help_[f"step_{step}"])
        for col, a in zip(cols[1 + len(t.steps):], t.extra, strict=False):
            col.button(a.label, on_click=a.run, args=(r,), key=f"{t.keys}.{a.name}",
                       icon=a.icon, width="stretch", help=help_[a.name])
    if visible("reset"):
        cols[-2].button("Reset", on_click=r.reset, key=f"{t.keys}.reset", width="stretch",
                        icon=":material/restart_alt:", help=help_["reset"])
    if visible("speed"):
        speed = cols[-1].select_slider(t.speed_label, list(SPEEDS), key=page.key("speed"),
                                       help=help_["speed"])
        r.speed = SPEEDS[speed]


def live_panel(page: LivePage, r: Runner, view: frames.LiveView, layout: Layout,
               on_click: Callable[[str, dict, object], None] | None = None) -> None:
    """The status line and the charts of `layout`, drawn from frames of `view`, updated while
    `r` trains. `on_click(key, click, snapshot)` is told of clicks on clickable charts."""
    ss = st.session_state
    ch = frames.channel(r)
    ch.view = view
    timers = r.playing and not frames.served()
    interval_key = page.key("interval")

    @st.fragment(run_every=RETUNE if timers else None)
    def panel() -> None:
        interval = LOAD.frame_interval(ss.get(interval_key)) if timers else None
        ss[interval_key] = interval
        st.fragment(run_every=interval)(_main)(page, r, ch, layout, on_click)
        if layout.slow:
            # Under load the slow panel slows down with the number of sessions playing, so
            # that the main charts keep their rate.
            slow = interval * frames.SLOW_EVERY * max(1, LOAD.n_playing) if interval else None
            st.fragment(run_every=slow)(_slow)(r, ch, layout, on_click)

    panel()
    if layout.extra is not None:
        every = (LOAD.frame_interval(ss.get(interval_key)) * layout.extra_every
                 if r.playing else None)
        st.fragment(run_every=every)(layout.extra)(r)


def _live(ch: frames.Channel, playing: bool) -> dict | None:
    """What a chart needs to fetch its own frames, when the route is served."""
    return {"url": ch.url, "playing": playing} if frames.served() else None


def _rows(rows, f: frames.Frame, live, slow: bool = False) -> dict:
    results = {}
    for row in rows:
        cols = st.columns([c.width for c in row]) if len(row) > 1 else [st.container()]
        for col, chart in zip(cols, row, strict=True):
            if chart.key not in f.figs:
                continue
            with col:
                results[chart.key] = live_chart(
                    f.figs[chart.key], chart.key, frame=f.progress, seq=f.seq, live=live,
                    slow=slow, on_click=_noop if chart.clickable else None)
    return results


def _main(page: LivePage, r: Runner, ch: frames.Channel, layout: Layout, on_click) -> None:
    """Status line, notices and the main charts."""
    if layout.header is not None:
        layout.header()
    f = frames.build(ch)
    live = _live(ch, f.playing)
    with st.container():  # always there: the charts below keep their place (no remount)
        _notices(r)
    live_status(f.status, f.seq, live, on_ended=_noop)
    _clicks(_rows(layout.main, f, live), f, on_click)
    if layout.footer is not None:
        layout.footer()
    if r.playing != st.session_state.get(page.key("shown_playing")):
        st.rerun()  # training stopped by itself: the buttons follow


def _notices(r: Runner) -> None:
    """What the page should say about training: an error, divergence, a stop, or a hint that
    the learning rate is too large."""
    if r.error:
        st.error(r.error)
    with r.lock:
        t = r.trainer
        status, reason = t.status, t.status_reason
        losses = t.history["train_loss"]
        hint = rate_hint(losses[-HINT_WINDOW - 1:], min(losses, default=math.nan))
    if status == DIVERGED:
        st.error(f"Training diverged: {reason}", icon="⚠️")
    elif status == STOPPED:
        st.info(f"Stopped: {reason}.")
    elif hint:
        st.warning(hint, icon="↕️")


def _clicks(results: dict, f: frames.Frame, on_click) -> None:
    """Tell the page of clicks on its clickable charts (trigger values: set in the one run the
    click caused), with the frame's snapshot the chart showed."""
    if on_click is None:
        return
    for key, result in results.items():
        click = getattr(result, "click", None) if result is not None else None
        if click:
            on_click(key, click, f.snap)


def _slow(r: Runner, ch: frames.Channel, layout: Layout, on_click=None) -> None:
    """The slow charts, when the page shows them."""
    if not ch.view.slow:
        return
    f = frames.build(ch, "slow")
    _clicks(_rows(layout.slow, f, _live(ch, f.playing), slow=True), f, on_click)
