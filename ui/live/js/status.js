// The status line ("Epoch 1,234 · ..."): drawn by Streamlit, and while playing from the
// frames the charts fetch (chart.js's channel); the newest frame wins. Below it, a notice when
// the session's frames were gone (the server restarted: chart.js sets window.__nnpGone and
// sessionStorage, then reloads the page); it stays until training plays again.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let h = parentElement.querySelector("h4.nnp-status");
  if (!h) {
    h = document.createElement("h4");
    h.className = "nnp-status";
    parentElement.appendChild(h);
  }
  let note = parentElement.querySelector("p.nnp-notice");
  if (!note) {
    note = document.createElement("p");
    note.className = "nnp-notice";
    note.setAttribute("role", "alert");
    note.hidden = true;
    parentElement.appendChild(note);
  }
  const show = (text, seq) => {
    if (seq && h.__nnpSeq && seq <= h.__nnpSeq) return;
    h.__nnpSeq = seq || 0;
    h.textContent = text;
  };
  const notice = () => {
    let gone = window.__nnpGone;
    if (!gone) {  // the page was loaded again after its session was gone (chart.js)
      let kept = null;
      try { kept = sessionStorage.getItem("nnpGone"); } catch (e) { /* private mode */ }
      if (kept) gone = window.__nnpGone = { url: null, message: kept };
    }
    const replaced = gone && data.live && data.live.url !== gone.url;
    if (replaced && data.live.playing) {  // playing again
      window.__nnpGone = null;
      try { sessionStorage.removeItem("nnpGone"); } catch (e) { /* private mode */ }
    }
    const on = !!window.__nnpGone;
    note.textContent = on ? window.__nnpGone.message : "";
    note.hidden = !on;
  };
  show(data.text, data.seq);
  notice();
  if (data.live) {
    const c = channel(data.live.url);
    c.status = show;
    c.notice = notice;
    c.onEnded = (seq) => setTriggerValue("ended", seq);
  }
}
