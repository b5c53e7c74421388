"""What the Learn pages share: page setup with a presenter view, widgets that keep their values
across visits to other pages, and the explanation texts."""

import tomllib
from collections.abc import Iterable
from pathlib import Path

import streamlit as st

from ui.live.session import keep_widgets, page_config

TEXTS = Path(__file__).resolve().parents[2] / "assets" / "learn"
CHART_HEIGHT = 420  # px; presenter view: PRESENTER_HEIGHT
PRESENTER_HEIGHT = 640


def setup(title: str, keep: Iterable[str] = ()) -> bool:
    """Configure the page; returns True in presenter view (``?presenter=1``, a classroom flag
    of the whole session): large charts, sidebar collapsed, few controls. The widgets whose
    keys are in `keep` keep their values across visits to other pages. Call first in every
    Learn page."""
    keep_widgets(keep, f"learn.{title}")
    presenter = page_config(title)
    st.title(title)
    return presenter


def chart_height(presenter: bool) -> int:
    return PRESENTER_HEIGHT if presenter else CHART_HEIGHT


def text(name: str) -> str:
    """The explanation `assets/learn/<name>.md` (our own words, short and exact)."""
    return (TEXTS / f"{name}.md").read_text(encoding="utf-8").strip()


def explain(name: str) -> None:
    """Show the explanation `name` as Markdown."""
    st.markdown(text(name))


def further_links(title: str) -> list[tuple[str, str]]:
    """(page script, what it shows) where the idea of Learn page `title` goes on
    (assets/learn/further.toml)."""
    table = tomllib.loads((TEXTS / "further.toml").read_text(encoding="utf-8"))
    return [(script, label) for script, label in table.get(title, [])]


def further(title: str) -> None:
    """Links to the training pages where this Learn page's idea goes on, if any."""
    links = further_links(title)
    if links:
        st.subheader("Further")
        for script, label in links:
            st.page_link(script, label=label, icon=":material/arrow_forward:")


def defaults(values: dict) -> None:
    """Seed widget values (by key) that are not in the session yet. Widgets then take `key=`
    and no `value=`, so callbacks may write them before they are drawn."""
    for key, value in values.items():
        st.session_state.setdefault(key, value)

