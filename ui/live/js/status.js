// The status line ("Epoch 1,234 · ..."): drawn by Streamlit, and while playing from the
// frames the charts fetch (chart.js's channel); the newest frame wins.
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
