"""A chart that updates in place: a Streamlit v2 component that calls Plotly.react on the same
element for every new figure, so it never blanks, keeps the user's zoom (layout.uirevision) and
keeps plotly's hover and PNG download. `st.plotly_chart` remounts on every new figure instead.

Clicks on points come back as the trigger value `click`: {x, y, curve, point, n}.
Each chart counts its own updates and mounts in `window.__nnp[key]`, for the browser tests.
"""

import streamlit as st

from .static import PLOTLY_URL, ensure_plotly_js

JS = r"""
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !data.figure) return;
  const key = data.key;
  const stats = (window.__nnp = window.__nnp || {});
  const s = (stats[key] = stats[key] || { mounts: 0, updates: 0, last: 0, clicks: 0 });
  let el = parentElement.querySelector(".nnp-chart");
  if (!el) {
    el = document.createElement("div");
    el.className = "nnp-chart";
    el.dataset.key = key;
    parentElement.appendChild(el);
    s.mounts += 1;
  }
  if (!window.__nnpPlotly) {
    window.__nnpPlotly = new Promise((resolve, reject) => {
      if (window.Plotly) return resolve(window.Plotly);
      const tag = document.createElement("script");
      tag.src = new URL(data.plotly_src, document.baseURI).href;
      tag.onload = () => resolve(window.Plotly);
      tag.onerror = () => reject(new Error("plotly.js did not load"));
      document.head.appendChild(tag);
    });
  }
  window.__nnpPlotly.then((Plotly) => {
    const fig = data.figure;
    const config = Object.assign(
      { displaylogo: false, responsive: true,
        toImageButtonOptions: { filename: key, scale: 2 } },
      fig.config || {}
    );
    Plotly.react(el, fig.data, fig.layout, config).then(() => {
      s.updates += 1;
      s.last = performance.now();
      s.frame = data.frame;
      el.dataset.frame = String(data.frame);
    });
    if (!el.__nnpClick) {
      el.__nnpClick = true;
      el.on("plotly_click", (ev) => {
        const p = ev.points && ev.points[0];
        if (!p) return;
        s.clicks += 1;
        setTriggerValue("click", { x: p.x, y: p.y, curve: p.curveNumber,
                                   point: p.pointNumber, n: s.clicks });
      });
    }
  });
}
"""

CSS = ".nnp-chart { width: 100%; }"

_component = st.components.v2.component("nnp_live_chart", js=JS, css=CSS, isolate_styles=False)


def live_chart(figure: dict, key: str, frame: int = 0, on_click=None):
    """Draw `figure` (a plotly figure as a plain dict) in place under `key`.

    Returns the component result; `result.click` holds the last click, if any."""
    ensure_plotly_js()
    kwargs = {"on_click_change": on_click} if on_click else {}
    return _component(key=key, data={"figure": figure, "key": key, "frame": frame,
                                     "plotly_src": PLOTLY_URL}, **kwargs)


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
