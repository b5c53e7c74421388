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
