"""AppTest helpers shared by the page tests: open a page as a user does, read its charts."""

import json

from streamlit.testing.v1 import AppTest

TIMEOUT = 60  # first runs import NumPy, scikit-learn and plotly


def open_page(root, script: str, query: dict | None = None) -> AppTest:
    """Enter through app.py with the URL `query`, as a user does (links between pages resolve
    against the entrypoint), then switch to `script` ("pages/x.py"); it must run cleanly."""
    at = AppTest.from_file(str(root / "app.py"), default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    at.switch_page(script).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def plotly_specs(at: AppTest) -> list[dict]:
    """The figures of every `st.plotly_chart` on the page, in order."""
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def components(at, name: str) -> list:
    """The page's v2 components whose name ends with `name` (e.g. "nnp_live_chart")."""
    return [c for c in at.get("bidi_component") if c.proto.component_name.endswith(name)]


def status(at) -> str:
    """The live status line's text."""
    (c,) = components(at, "nnp_live_status")
    return json.loads(c.proto.json)["text"]


def no_exception(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
