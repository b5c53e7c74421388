"""A chart that updates in place: a Streamlit v2 component that draws each new figure on the same
element, so it never blanks, keeps the user's zoom (layout.uirevision) and keeps plotly's hover
and PNG download. `st.plotly_chart` remounts on every new figure instead.

Each update redraws only what changed since the last one (see js/chart.js): new image sources
(the map, the diagram's thumbnails) through `Plotly.relayout`, new data arrays through
`Plotly.restyle`, everything else through `Plotly.react`. Traces marked
`meta="hover-only"` (charts.base.HOVER_ONLY) are brought up to date only when the pointer is over
the chart or the updates pause, since nobody sees them otherwise.

Clicks on points come back as the trigger value `click`: {x, y, curve, point, n}.
The JavaScript and CSS of the components are files in js/, read once at start-up.
Each chart counts its own updates and mounts in `window.__nnp[key]` (and how many were whole
redraws, `full`, or partial ones, `partial`), for the browser tests and the benchmark.
"""

import base64
from pathlib import Path

import numpy as np
import streamlit as st

from .static import PLOTLY_URL, ensure_plotly_js

JS_DIR = Path(__file__).resolve().parent / "js"
CANVAS_MAX = 256  # the largest drawing accepted from the browser (canvas.js sends 64×64)


def _component(name: str, stem: str, with_channel: bool = False):
    """A v2 component from js/<stem>.js and js/<stem>.css (read once, at start-up); with
    `with_channel`, js/channel.js (the fetched frames' channel) comes first."""
    js = (JS_DIR / f"{stem}.js").read_text(encoding="utf-8")
    if with_channel:
        js = (JS_DIR / "channel.js").read_text(encoding="utf-8") + "\n" + js
    return st.components.v2.component(name, js=js, css=(JS_DIR / f"{stem}.css").read_text(
        encoding="utf-8"), isolate_styles=False)


_chart = _component("nnp_live_chart", "chart", with_channel=True)


def live_chart(figure: dict, key: str, frame: int = 0, on_click=None, seq: int = 0,
               live: dict | None = None, slow: bool = False):
    """Draw `figure` (a plotly figure as a plain dict) in place under `key`.

    `seq` orders frames: a figure older than the one drawn is skipped. With `live`
    ({"url", "playing"}: ui/live/frames.py), the chart also draws the frames the page fetches
    from that route while playing; a `slow` chart asks for the frames that carry the slow
    charts. Returns the component result; `result.click` holds the last click, if any."""
    ensure_plotly_js()
    kwargs = {"on_click_change": on_click} if on_click else {}
    return _chart(key=key, data={"figure": figure, "key": key, "frame": frame, "seq": seq,
                                 "live": live, "slow": slow, "plotly_src": PLOTLY_URL},
                  **kwargs)


_status = _component("nnp_live_status", "status", with_channel=True)


def live_status(text: str, seq: int = 0, live: dict | None = None, on_ended=None):
    """The status line as text in a heading, updated with the live charts' frames. With
    `on_ended`, the page reruns when the fetched frames say training has ended."""
    kwargs = {"on_ended_change": on_ended} if on_ended else {}
    return _status(key="status", data={"text": text, "seq": seq, "live": live}, **kwargs)


_save = _component("nnp_save_png", "save")


def save_charts_button(label: str = "Save all charts as one PNG",
                       filename: str = "playground.png") -> None:
    """A button that renders every live chart on the page into one PNG, laid out as shown."""
    _save(key="save_png", data={"label": label, "filename": filename})


_link = _component("nnp_share_link", "link")


def share_link(label: str = "Copy link", copied: str = "Copied") -> None:
    """The page's address, kept current in the browser, with a button that copies it."""
    _link(key="share_link", data={"label": label, "copied": copied})


_picker = _component("nnp_image_picker", "picker")


def _picked() -> None:
    """Registers the picker's event; the pick itself is read from the result."""


def image_picker(items: list[dict], selected: str, key: str, columns: int = 3) -> str | None:
    """Pictures to choose from: `items` of {name, label, src (an image URI), help}; the chosen
    one is outlined. Returns the name clicked in the run the click caused, else None."""
    result = _picker(key=key, data={"items": items, "selected": selected, "columns": columns},
                     on_pick_change=_picked)
    return getattr(result, "pick", None) if result is not None else None


_canvas = _component("nnp_draw_canvas", "canvas")


def _drawn() -> None:
    """Registers the canvas's state value; the drawing itself is read from the result."""


def draw_canvas(key: str, size: int = 220, stroke: float = 0.075,
                label: str = "Draw a digit here", clear: str = "Clear"):
    """A square to draw on (mouse, pen or finger) with a Clear button. Returns the drawing as a
    (64, 64) float array in [0, 1] (1 = ink, row 0 at the top), or None when it is empty. The
    stroke is `stroke` times the side: a pen about as thick as a digit's line on 8×8."""
    result = _canvas(key=key, data={"size": size, "stroke": stroke, "label": label,
                                    "clear": clear}, on_image_change=_drawn)
    image = getattr(result, "image", None) if result is not None else None
    if not image:
        return None
    try:  # what the browser sent: anything but a drawing of the canvas's size is no drawing
        n = int(image["size"])
        text = image["data"]
        if not (8 <= n <= CANVAS_MAX and len(text) <= 4 * n * n):
            return None
        raw = np.frombuffer(base64.b64decode(text, validate=True), dtype=np.uint8)
    except (TypeError, ValueError, KeyError):
        return None
    return (raw.reshape(n, n) / 255.0) if raw.size == n * n else None


def static_chart(figure: dict, key: str) -> None:
    """A chart that is not redrawn while training plays: st.plotly_chart with the figure's own
    config (our figures carry it in the dict, as the live charts take it) and plotly's look."""
    fig = {k: v for k, v in figure.items() if k != "config"}
    st.plotly_chart(fig, key=key, theme=None, config=figure.get("config", {}))
