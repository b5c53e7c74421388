"""Entry point of the Neural Network Playground: the navigation and the home page. The other
pages are the scripts in pages/, grouped by their number: 1-2 train networks, 3 and up teach."""

import os

# Tiny matrices: one BLAS thread. Must be set before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

HERE = Path(__file__).parent
TRAIN_PAGES = 2  # pages/1_* and pages/2_*; the rest are Learn pages


def page_title(path: Path) -> str:
    """'pages/3_One_neuron.py' -> 'One neuron'."""
    return path.stem.split("_", 1)[1].replace("_", " ")


def home() -> None:
    st.title("Neural Network Playground")
    st.markdown((HERE / "assets" / "home.md").read_text(encoding="utf-8"))
    for section, pages in SECTIONS.items():
        if section:
            st.subheader(section)
        for page in pages:
            if page.url_path:
                st.page_link(page)


scripts = sorted((p for p in (HERE / "pages").glob("[0-9]*_*.py")),
                 key=lambda p: int(p.stem.split("_", 1)[0]))
pages = [st.Page(f"pages/{p.name}", title=page_title(p), url_path=p.stem.split("_", 1)[1])
         for p in scripts]
numbers = [int(p.stem.split("_", 1)[0]) for p in scripts]
SECTIONS = {
    "": [st.Page(home, title="Home", icon="🏠", default=True)],
    "Train": [pg for pg, n in zip(pages, numbers, strict=True) if n <= TRAIN_PAGES],
    "Learn": [pg for pg, n in zip(pages, numbers, strict=True) if n > TRAIN_PAGES],
}
st.set_page_config(page_title="Neural Network Playground", page_icon="🧠", layout="wide")
st.navigation({k: v for k, v in SECTIONS.items() if v}).run()
