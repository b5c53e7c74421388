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

// --- frames fetched by the page itself while training plays (ui/live/frames.py) ---------
// One channel per session (its route URL): the charts and the status line register on it;
// one loop fetches a frame, draws every registered chart whose figure is in it, and asks again
// after the interval the server sent (counted from the request, so drawing time is part of it).
// channel(url) is in channel.js, which comes before this file.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

const GONE = "gone";
const GONE_KEY = "nnpGone";  // sessionStorage: the notice, kept across the reload
const RELOAD_DELAY = 1500;  // ms the notice shows before the page loads again

// One request for the channel's next frame: the frame, null (failed: try again), or GONE.
async function request(c, slow) {
  try {
    const r = await fetch(new URL(c.url + (slow ? "?slow=1" : ""), document.baseURI),
                          { cache: "no-store" });
    if (r.status === 404) {  // the session has ended (a restarted server): say so
      const body = await r.json().catch(() => null);
      c.gone = (body && body.message) || "";
      return GONE;
    }
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
  const ask = () => request(c, live().some((x) => x.slow));
  try {
    let start = performance.now();
    let pending = ask();
    while (c.playing) {
      const f = await pending;
      const charts = live();
      if (f === GONE && c.gone) {
        // The server restarted (or a load balancer moved the session to another replica):
        // say so (status.js keeps the notice, across a reload, until Play), then load the
        // page again, which the new server draws from its address (the settings).
        window.__nnpGone = { url: c.url, message: c.gone };
        try { sessionStorage.setItem(GONE_KEY, c.gone); } catch (e) { /* private mode */ }
        if (c.notice) c.notice();
        setTimeout(() => location.reload(), RELOAD_DELAY);
      }
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
// A phone (a narrow screen or a touch pointer): a swipe over a chart must scroll the page, and
// the toolbar must not cover titles and legends, so charts there neither drag nor show it.
const PHONE = window.matchMedia("(max-width: 640px), (pointer: coarse)");

function draw(Plotly, el, s, key, fig, seq, frame) {
  if (seq && el.__nnpSeq && seq <= el.__nnpSeq) return Promise.resolve();
  el.__nnpSeq = seq || 0;
  const config = Object.assign(
    { displaylogo: false, responsive: true,
      toImageButtonOptions: { filename: key, scale: 2 } },
    fig.config || {}
  );
  if (PHONE.matches) {
    config.displayModeBar = false;
    fig = Object.assign({}, fig, { layout: Object.assign({}, fig.layout, { dragmode: false }) });
  }
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
      c.charts[key] = { key, el, slow: !!data.slow,
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
