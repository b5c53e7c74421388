"""One training page's session: its runner (one per browser session, closed when the session
ends), its queued messages, its URL, and the classroom flags every page shares.

A page package makes one `LivePage(name, make_runner)`; `name` prefixes the keys the framework
keeps in session state for it (`<name>.runner`, `<name>.messages`, ...), so pages never touch
each other's state. The classroom flags (`?hide=a,b` hides controls, `?presenter=1` enlarges
the charts and closes the sidebar) are read from the URL once, at the session's first run of
any page, and written into every training page's URL from then on.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from .runner import Runner
from .streamlit_internals import fragment_only_run

FLAGS = ("hide", "presenter")  # URL keys that are classroom flags, not settings
_MAKERS: dict[str, Callable[[], Runner]] = {}


@st.cache_resource(scope="session", on_release=lambda r: r.close(), show_spinner=False)
def _session_runner(token: str, name: str) -> Runner:
    return _MAKERS[name]()


@dataclass(frozen=True)
class LivePage:
    """The framework's handle on one training page. `make_runner()` builds this session's
    runner on first use (in the script thread: it may read session state)."""

    name: str
    make_runner: Callable[[], Runner]

    def key(self, what: str) -> str:
        return f"{self.name}.{what}"

    def runner(self) -> Runner:
        """This session's runner; created on first use, closed when the session ends (the token
        tells apart sessions that share an id, as AppTest's do). Also kept in session state
        under `<name>.runner`, for tests."""
        ss = st.session_state
        _MAKERS[self.name] = self.make_runner
        r = _session_runner(ss.setdefault(self.key("token"), uuid.uuid4().hex), self.name)
        ss[self.key("runner")] = r
        return r

    def message(self, kind: str, text: str) -> None:
        """Queue a message (kind: error, warning, info, success) for the next draw."""
        st.session_state.setdefault(self.key("messages"), []).append((kind, text))

    def pending_messages(self) -> int:
        return len(st.session_state.get(self.key("messages"), []))

    def show_messages(self) -> None:
        """Show and forget the queued messages, in a container that is always there: what
        follows keeps its place in the page, so the live charts are not mounted again."""
        with st.container():
            for kind, text in st.session_state.pop(self.key("messages"), []):
                getattr(st, kind)(text)

    def first_run(self) -> bool:
        """True once per session: the page's first run (seed its widgets from the URL then)."""
        ss = st.session_state
        if ss.get(self.key("started")):
            return False
        ss[self.key("started")] = True
        classroom_init()
        return True

    def link_query(self) -> dict[str, str]:
        """The settings the page's URL holds (the classroom flags left out)."""
        return {k: v for k, v in st.query_params.to_dict().items() if k not in FLAGS}

    def link_warnings(self, warnings: Iterable[str]) -> None:
        """Queue a message for each setting of the URL the page could not use."""
        for w in warnings:
            self.message("warning", f"The link had a setting this page could not use: {w}.")

    def sync_url(self, query: dict[str, str]) -> None:
        """Mirror the page's settings and the classroom flags in the URL (only when they
        changed, to spare the browser history)."""
        q = dict(query) | classroom_query()
        if st.query_params.to_dict() != q:
            st.query_params.from_dict(q)

    def apply(self, r: Runner, values: dict):
        """Apply the controls' `values` over the settings in force: live ones keep the weights,
        the others rebuild. Settings that do not fit become a message, and the runner keeps
        its own. Returns the settings in force."""
        current = r.trainer.config
        try:
            config = type(current).from_dict(current.to_dict() | values)
            r.apply(config)
        except ValueError as e:
            self.message("warning", f"Not applied: {e}. Training continues with the last valid "
                                    "settings.")
            return r.trainer.config
        return config

    def settings_fragment(self, body: Callable, *args) -> None:
        """Run `body(*args)` (controls that apply live settings) in a sidebar fragment of its
        own: changing one of its controls reruns only the fragment, not the page, so the
        charts show the effect with their next frame. A message queued by the fragment is
        shown in the main area, which needs a run of the whole page."""
        def fragment(*a) -> None:
            queued = self.pending_messages()
            body(*a)
            if self.pending_messages() > queued and fragment_only_run():
                st.rerun(scope="app")

        with st.sidebar:
            st.fragment(fragment)(*args)


# --- classroom flags ------------------------------------------------------------------------
def classroom_init() -> None:
    """Read the classroom flags from the URL at the session's first run of any page."""
    ss = st.session_state
    if "presenter" in ss:
        return
    ss["hidden_controls"] = set(filter(None, st.query_params.get("hide", "").split(",")))
    ss["presenter"] = st.query_params.get("presenter", "") in ("1", "true")


def classroom_query() -> dict[str, str]:
    ss, q = st.session_state, {}
    if ss.get("hidden_controls"):
        q["hide"] = ",".join(sorted(ss["hidden_controls"]))
    if ss.get("presenter"):
        q["presenter"] = "1"
    return q


def presenter() -> bool:
    """Presenter view: large text and charts, sidebar closed, few controls."""
    return bool(st.session_state.get("presenter", False))


_PRESENTER_CSS = (Path(__file__).resolve().parent / "js" / "presenter.css").read_text(
    encoding="utf-8")


def page_config(title: str) -> bool:
    """Set up a page (call first, before any element): its title in the browser, the wide
    layout, and in presenter view a closed sidebar and large text. Returns whether it is the
    presenter view."""
    classroom_init()
    big = presenter()
    st.set_page_config(page_title=f"{title} · Neural Network Playground", page_icon="🧠",
                       layout="wide", initial_sidebar_state="collapsed" if big else "auto")
    if big:
        st.markdown(f"<style>{_PRESENTER_CSS}</style>", unsafe_allow_html=True)
    return big


def visible(name: str) -> bool:
    """False when the teacher hid control `name` with the URL's hide= list."""
    return name not in st.session_state.get("hidden_controls", set())


# --- what pages share --------------------------------------------------------------------
SHARED = "shared.config"  # the 2-D experiment last set up on the Playground


def share_config(config) -> None:
    """Offer the 2-D experiment the user set up to other pages (Compare starts from it)."""
    st.session_state[SHARED] = config


def shared_config():
    """The 2-D experiment last set up on the Playground, or None."""
    return st.session_state.get(SHARED)


# --- widget values across pages -----------------------------------------------------------
def keep_widgets(keys: Iterable[str], store: str) -> None:
    """Streamlit forgets the values of widgets a run did not draw (a visit to another page): a
    copy under `store` brings them back, and re-saving keeps them alive meanwhile. Call at the
    start of every full run of the page that draws them."""
    ss = st.session_state
    saved = ss.setdefault(store, {})
    for k in keys:
        if k in ss:
            saved[k] = ss[k] = ss[k]
        elif k in saved:
            ss[k] = saved[k]
