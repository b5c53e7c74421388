"""A chart that updates in place: a Streamlit v2 component that draws each new figure on the same
element, so it never blanks, keeps the user's zoom (layout.uirevision) and keeps plotly's hover
and PNG download. `st.plotly_chart` remounts on every new figure instead.

Each update redraws only what changed since the last one (see the JS below): new image sources
(the map, the diagram's thumbnails) through `Plotly.relayout`, new data arrays through
`Plotly.restyle`, everything else through `Plotly.react`. Traces marked
`meta="hover-only"` (figures.HOVER_ONLY) are brought up to date only when the pointer is over
the chart or the updates pause, since nobody sees them otherwise.

Clicks on points come back as the trigger value `click`: {x, y, curve, point, n}.
Each chart counts its own updates and mounts in `window.__nnp[key]` (and how many were whole
redraws, `full`, or partial ones, `partial`), for the browser tests and the benchmark.
"""

import streamlit as st

from .static import PLOTLY_URL, ensure_plotly_js

# The channel of a session's fetched frames (live_frames.py), shared by the charts and the
# status line, whichever of them the page runs first.
CHANNEL_JS = r"""
function channel(url) {
  const channels = (window.__nnpLive = window.__nnpLive || {});
  return channels[url] || (channels[url] = { url, charts: {}, status: null, onEnded: null,
                                              playing: false, looping: false, fetched: 0 });
}
"""

JS = r"""
// Per update, only what changed is redrawn:
//  - only image sources changed (the map, the diagram's thumbnails): Plotly.relayout of
//    `images[i].source`, which redraws the images alone (about 1 ms instead of 15-30);
//  - only data arrays of some traces changed (the loss curves): Plotly.restyle of those;
//  - traces marked meta "hover-only" (invisible layers that give hover text and receive clicks)
//    are brought up to date only when the pointer is over the chart or the updates pause;
//  - anything else (layout, config, trace count, styles): Plotly.react of the whole figure.
const HOVER_ONLY = "hover-only";
const DATA_KEYS = new Set(["x", "y", "z", "zmin", "zmax", "text", "customdata", "hovertext"]);
const LAZY_DELAY = 400; // ms without updates after which hover-only traces catch up

function describe(fig, config) {
  const images = fig.layout.images || [];
  const layout = Object.assign({}, fig.layout, {
    images: images.map((im) => Object.assign({}, im, { source: null })) });
  return {
    config: JSON.stringify(config),
    layout: JSON.stringify(layout),
    sources: images.map((im) => im.source),
    traces: fig.data.map((t) => {
      const keys = {};
      for (const k of Object.keys(t)) keys[k] = JSON.stringify(t[k]);
      return keys;
    }),
  };
}

// Attributes of trace i that differ; null when they cannot be restyled as data.
function changedData(a, b) {
  const out = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[k] === b[k]) continue;
    if (!DATA_KEYS.has(k) || !(k in b)) return null;
    out.push(k);
  }
  return out;
}

function restyleTraces(Plotly, el, fig, indices, attrs) {
  const update = {};
  for (const k of attrs) update[k] = indices.map((i) => fig.data[i][k]);
  return Plotly.restyle(el, update, indices);
}

function apply(Plotly, el, fig, config, next) {
  const drawn = el.__nnpDrawn;
  const full = () => {
    el.__nnpDrawn = next;
    el.__nnpLazy = false;
    el.__nnpKind = "full";
    return Plotly.react(el, fig.data, fig.layout, config);
  };
  if (!drawn || drawn.config !== next.config || drawn.layout !== next.layout ||
      drawn.traces.length !== next.traces.length ||
      drawn.sources.length !== next.sources.length) return full();
  const hovering = el.__nnpHover;
  const now = [], nowAttrs = new Set();
  let lazyPending = false;
  for (let i = 0; i < next.traces.length; i++) {
    const attrs = changedData(drawn.traces[i], next.traces[i]);
    if (attrs === null) return full();
    if (!attrs.length) continue;
    if (fig.data[i].meta === HOVER_ONLY && !hovering) { lazyPending = true; continue; }
    now.push(i);
    attrs.forEach((k) => nowAttrs.add(k));
  }
  const steps = [];
  const relayout = {};
  next.sources.forEach((src, i) => {
    if (src !== drawn.sources[i]) relayout[`images[${i}].source`] = src;
  });
  if (Object.keys(relayout).length) steps.push(() => Plotly.relayout(el, relayout));
  if (now.length) steps.push(() => restyleTraces(Plotly, el, fig, now, [...nowAttrs]));
  // What is drawn now: the new figure except the hover-only traces that wait.
  el.__nnpDrawn = Object.assign({}, next, { traces: next.traces.map((t, i) =>
    (fig.data[i].meta === HOVER_ONLY && !hovering) ? drawn.traces[i] : t) });
  el.__nnpLazy = lazyPending;
  el.__nnpKind = "partial";
  return steps.reduce((p, step) => p.then(step), Promise.resolve());
}

// Bring the hover-only traces up to date (pointer over the chart, or updates paused).
function catchUp(Plotly, el) {
  clearTimeout(el.__nnpLazyTimer);
  if (!el.__nnpLazy || !el.__nnpLatest) return;
  const { fig, next } = el.__nnpLatest;
  const drawn = el.__nnpDrawn;
  const idx = [], attrs = new Set();
  for (let i = 0; i < next.traces.length; i++) {
    const a = changedData(drawn.traces[i], next.traces[i]);
    if (a && a.length) { idx.push(i); a.forEach((k) => attrs.add(k)); }
  }
  el.__nnpLazy = false;
  el.__nnpDrawn = Object.assign({}, drawn, { traces: next.traces });
  if (idx.length) restyleTraces(Plotly, el, fig, idx, [...attrs]);
}

// --- frames fetched by the page itself while training plays (live_frames.py) -----------
// One channel per session (its route URL): the charts and the status line register on it;
// one loop fetches a frame, draws every registered chart whose figure is in it, and asks again
// after the interval the server sent (counted from the request, so drawing time is part of it).
""" + CHANNEL_JS + r"""

const INTERNALS = ["metric", "weights", "grads", "confusion"];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const GONE = "gone";

// One request for the channel's next frame: the frame, null (failed: try again), or GONE.
async function request(c, internals) {
  try {
    const r = await fetch(new URL(c.url + (internals ? "?internals=1" : ""), document.baseURI),
                          { cache: "no-store" });
    if (r.status === 404) return GONE;  // the session has ended
    return r.ok ? await r.json() : null;
  } catch (e) {
    return null;  // a dropped request
  }
}

// Ask, draw, ask again: the next request leaves when this frame arrives (or when the interval
// since the previous request has passed, if later), so the server builds it while the page
// draws this one.
async function loop(c) {
  if (c.looping) return;
  c.looping = true;
  const live = () => Object.values(c.charts).filter((x) => x.el.isConnected);
  const ask = () => request(c, live().some((x) => INTERNALS.includes(x.key)));
  try {
    let start = performance.now();
    let pending = ask();
    while (c.playing) {
      const f = await pending;
      const charts = live();
      if (f === GONE || !charts.length || !c.playing) break;  // ended, or the page went away
      const wait = (f ? 1000 * f.interval : 1000) - (performance.now() - start);
      if (f && !f.playing) {
        pending = null;
      } else {
        pending = sleep(wait).then(() => { start = performance.now(); return ask(); });
      }
      if (!f) continue;
      c.fetched += 1;
      c.interval = f.interval;
      const drawn = [];
      for (const x of charts) {
        if (x.key in f.figs) drawn.push(x.draw(f.figs[x.key], f.seq, f.steps));
      }
      if (c.status) c.status(f.status, f.seq);
      await Promise.all(drawn);
      if (!f.playing) {  // training ended by itself: Streamlit redraws the buttons
        c.playing = false;
        if (c.onEnded) c.onEnded(f.seq);
      }
    }
  } finally {
    c.looping = false;
  }
}

function follow(live) {
  if (!live) return;
  const c = channel(live.url);
  c.playing = live.playing;
  if (c.playing) setTimeout(() => loop(c), 0);  // after every chart of this run registered
}

function loadPlotly(src) {
  if (!window.__nnpPlotly) {
    window.__nnpPlotly = new Promise((resolve, reject) => {
      if (window.Plotly) return resolve(window.Plotly);
      const tag = document.createElement("script");
      tag.src = new URL(src, document.baseURI).href;
      tag.onload = () => resolve(window.Plotly);
      tag.onerror = () => reject(new Error("plotly.js did not load"));
      document.head.appendChild(tag);
    });
  }
  return window.__nnpPlotly;
}

// Draw `fig` on chart `el` unless a newer frame is already there. Resolves when drawn.
function draw(Plotly, el, s, key, fig, seq, frame) {
  if (seq && el.__nnpSeq && seq <= el.__nnpSeq) return Promise.resolve();
  el.__nnpSeq = seq || 0;
  const config = Object.assign(
    { displaylogo: false, responsive: true,
      toImageButtonOptions: { filename: key, scale: 2 } },
    fig.config || {}
  );
  const next = describe(fig, config);
  el.__nnpLatest = { fig, next };
  const t0 = performance.now();
  const done = Promise.resolve(apply(Plotly, el, fig, config, next)).then(() => {
    s.updates += 1;
    s.last = performance.now();
    s.frame = frame;
    el.dataset.frame = String(frame);
  });
  s.ms += performance.now() - t0;  // synchronous drawing time, summed
  s[el.__nnpKind] += 1;
  clearTimeout(el.__nnpLazyTimer);
  if (el.__nnpLazy) el.__nnpLazyTimer = setTimeout(() => catchUp(Plotly, el), LAZY_DELAY);
  return done;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !data.figure) return;
  const key = data.key;
  const stats = (window.__nnp = window.__nnp || {});
  const s = (stats[key] = stats[key] ||
    { mounts: 0, updates: 0, last: 0, clicks: 0, full: 0, partial: 0, ms: 0 });
  let el = parentElement.querySelector(".nnp-chart");
  if (!el) {
    el = document.createElement("div");
    el.className = "nnp-chart";
    el.dataset.key = key;
    parentElement.appendChild(el);
    s.mounts += 1;
  }
  loadPlotly(data.plotly_src).then((Plotly) => {
    const c = data.live ? channel(data.live.url) : null;
    if (c) {
      c.charts[key] = { key, el,
                        draw: (fig, seq, frame) => draw(Plotly, el, s, key, fig, seq, frame) };
    }
    draw(Plotly, el, s, key, data.figure, data.seq, data.frame);
    follow(data.live);
    if (!el.__nnpClick) {
      el.__nnpClick = true;
      el.on("plotly_click", (ev) => {
        const p = ev.points && ev.points[0];
        if (!p) return;
        s.clicks += 1;
        setTriggerValue("click", { x: p.x, y: p.y, curve: p.curveNumber,
                                   point: p.pointNumber, n: s.clicks });
      });
      el.addEventListener("pointerenter", () => { el.__nnpHover = true; catchUp(Plotly, el); });
      el.addEventListener("pointerleave", () => { el.__nnpHover = false; });
    }
  });
}
"""

CSS = ".nnp-chart { width: 100%; }"

_component = st.components.v2.component("nnp_live_chart", js=JS, css=CSS, isolate_styles=False)


def live_chart(figure: dict, key: str, frame: int = 0, on_click=None, seq: int = 0,
               live: dict | None = None):
    """Draw `figure` (a plotly figure as a plain dict) in place under `key`.

    `seq` orders frames: a figure older than the one drawn is skipped. With `live`
    ({"url", "playing"}: live_frames), the chart also draws the frames the page fetches from
    that route while playing. Returns the component result; `result.click` holds the last
    click, if any."""
    ensure_plotly_js()
    kwargs = {"on_click_change": on_click} if on_click else {}
    return _component(key=key, data={"figure": figure, "key": key, "frame": frame, "seq": seq,
                                     "live": live, "plotly_src": PLOTLY_URL}, **kwargs)


STATUS_JS = CHANNEL_JS + r"""
// The status line ("Epoch 1,234 · ..."): drawn by Streamlit, and while playing from the
// frames the charts fetch (live_chart's channel); the newest frame wins.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let h = parentElement.querySelector("h4.nnp-status");
  if (!h) {
    h = document.createElement("h4");
    h.className = "nnp-status";
    parentElement.appendChild(h);
  }
  const show = (text, seq) => {
    if (seq && h.__nnpSeq && seq <= h.__nnpSeq) return;
    h.__nnpSeq = seq || 0;
    h.textContent = text;
  };
  show(data.text, data.seq);
  if (data.live) {
    const c = channel(data.live.url);
    c.status = show;
    c.onEnded = (seq) => setTriggerValue("ended", seq);
  }
}
"""

STATUS_CSS = """
h4.nnp-status { font-family: inherit; font-size: 1.25rem; font-weight: 600; line-height: 1.2;
  margin: 0; padding: 0.5rem 0 0.25rem; color: inherit; }
"""

_status = st.components.v2.component("nnp_live_status", js=STATUS_JS, css=STATUS_CSS,
                                     isolate_styles=False)


def live_status(text: str, seq: int = 0, live: dict | None = None, on_ended=None):
    """The status line as text in a heading, updated with the live charts' frames. With
    `on_ended`, the page reruns when the fetched frames say training has ended."""
    kwargs = {"on_ended_change": on_ended} if on_ended else {}
    return _status(key="status", data={"text": text, "seq": seq, "live": live}, **kwargs)


SAVE_JS = r"""
export default function (component) {
  const { data, parentElement } = component;
  let button = parentElement.querySelector("button.nnp-save");
  if (!button) {
    button = document.createElement("button");
    button.className = "nnp-save";
    button.type = "button";
    parentElement.appendChild(button);
  }
  button.textContent = data.label;
  button.onclick = async () => {
    const charts = [...document.querySelectorAll(".nnp-chart")].filter(
      (el) => el.offsetWidth > 0 && el._fullLayout);
    if (!charts.length || !window.Plotly) return;
    const images = await Promise.all(charts.map((el) => window.Plotly.toImage(el,
      { format: "png", width: el.offsetWidth, height: el.offsetHeight, scale: 2 })));
    const tiles = await Promise.all(images.map((src) => new Promise((resolve) => {
      const img = new Image(); img.onload = () => resolve(img); img.src = src; })));
    // Lay the charts out as they are on the page (by their screen position).
    const boxes = charts.map((el) => el.getBoundingClientRect());
    const x0 = Math.min(...boxes.map((b) => b.left)), y0 = Math.min(...boxes.map((b) => b.top));
    const w = Math.max(...boxes.map((b) => b.right)) - x0;
    const h = Math.max(...boxes.map((b) => b.bottom)) - y0;
    const canvas = document.createElement("canvas");
    canvas.width = Math.ceil(w * 2); canvas.height = Math.ceil(h * 2);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "white"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    tiles.forEach((img, i) => ctx.drawImage(img, (boxes[i].left - x0) * 2,
                                            (boxes[i].top - y0) * 2));
    const link = document.createElement("a");
    link.download = data.filename; link.href = canvas.toDataURL("image/png"); link.click();
  };
}
"""

SAVE_CSS = """
button.nnp-save { font: inherit; padding: 0.35rem 0.8rem; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.2); background: white; cursor: pointer; }
button.nnp-save:hover { border-color: #f06b1e; color: #f06b1e; }
"""

_save = st.components.v2.component("nnp_save_png", js=SAVE_JS, css=SAVE_CSS,
                                   isolate_styles=False)


def save_charts_button(label: str = "Save all charts as one PNG",
                       filename: str = "playground.png") -> None:
    """A button that renders every live chart on the page into one PNG, laid out as shown."""
    _save(key="save_png", data={"label": label, "filename": filename})


LINK_JS = r"""
// The page's own address (which the app keeps equal to the settings) with a copy button; it
// follows the address as settings change, whichever part of the page changed them.
export default function (component) {
  const { data, parentElement } = component;
  if (parentElement.querySelector(".nnp-link")) return;
  const box = document.createElement("div");
  box.className = "nnp-link";
  const code = document.createElement("code");
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = data.label;
  button.onclick = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      button.textContent = data.copied;
    } catch (e) {  // no clipboard (not a secure origin): select the link for the user
      const range = document.createRange();
      range.selectNodeContents(code);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    setTimeout(() => { button.textContent = data.label; }, 1500);
  };
  box.append(code, button);
  parentElement.appendChild(box);
  const timer = setInterval(() => {
    if (!box.isConnected) return clearInterval(timer);
    if (code.textContent !== location.href) code.textContent = location.href;
  }, 500);
  code.textContent = location.href;
}
"""

LINK_CSS = """
.nnp-link { display: flex; gap: 0.5rem; align-items: center; }
.nnp-link code { flex: 1; overflow-wrap: anywhere; font-size: 0.8rem; padding: 0.5rem 0.75rem;
  background: #f4f6f9; border-radius: 0.5rem; }
.nnp-link button { font: inherit; padding: 0.35rem 0.8rem; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.2); background: white; cursor: pointer; }
.nnp-link button:hover { border-color: #f06b1e; color: #f06b1e; }
"""

_link = st.components.v2.component("nnp_share_link", js=LINK_JS, css=LINK_CSS,
                                   isolate_styles=False)


def share_link(label: str = "Copy link", copied: str = "Copied") -> None:
    """The page's address, kept current in the browser, with a button that copies it."""
    _link(key="share_link", data={"label": label, "copied": copied})
