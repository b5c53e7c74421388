"""AppTest smoke tests: the landing page and every page in pages/ run without an exception."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
PAGES = sorted(p for p in PAGES_DIR.glob("*.py") if not p.name.startswith("_"))

# First runs import NumPy, scikit-learn and plotly: allow more than AppTest's default 3 s.
TIMEOUT = 30


def test_landing_page_shows_title_and_intro(root):
    at = AppTest.from_file(str(root / "app.py"), default_timeout=TIMEOUT).run()

    assert not at.exception
    assert [t.value for t in at.title] == ["Neural Network Playground"]
    intro = (root / "assets" / "home.md").read_text(encoding="utf-8").strip()
    assert any(md.value.strip() == intro for md in at.markdown)


def test_home_links_every_page_with_its_summary(root):
    at = AppTest.from_file(str(root / "app.py"), default_timeout=TIMEOUT).run()

    captions = [c.value for c in at.caption]
    assert len(captions) == len(PAGES)
    assert all(c and c[0].isupper() for c in captions)
    assert [s.value for s in at.subheader] == ["Train", "Learn"]
    # Pages that teach say so first in their docstring; the others train.
    learn = [p for p in PAGES if p.read_text(encoding="utf-8").lstrip('"').startswith("Learn:")]
    assert 0 < len(learn) < len(PAGES)


@pytest.mark.parametrize("page", [pytest.param(p.name, id=p.stem) for p in PAGES])
def test_page_runs_without_exception(root, page):
    # Enter through app.py, as a user does: links between pages resolve against the entrypoint.
    at = AppTest.from_file(str(root / "app.py"), default_timeout=TIMEOUT).run()
    at.switch_page(f"pages/{page}").run()

    assert not at.exception, [e.message for e in at.exception]


def test_help_links_lead_to_pages_that_exist(root):
    from engine import Config
    from ui.live.widgets import HELP, help_text

    urls = {p.stem.split("_", 1)[1] for p in PAGES}
    texts = {k: help_text(k) for k in HELP} | {n: help_text(n, f)
                                                for n, f in Config.FIELDS.items()}
    links = [(k, m) for k, text in texts.items() for m in re.findall(r"\]\(([^)]+)\)", text)]
    assert len(links) >= 10
    assert all(target in urls for _, target in links), [x for x in links if x[1] not in urls]
    learn = {p.stem.split("_", 1)[1] for p in PAGES
             if p.read_text(encoding="utf-8").lstrip('"').startswith("Learn:")}
    assert len(learn) >= 7
    assert learn <= {target for _, target in links}  # every Learn page is linked from help
