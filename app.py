"""Landing page of the Neural Network Playground; the other pages live in pages/."""

import os

# Tiny matrices: one BLAS thread. Must be set before NumPy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

HERE = Path(__file__).parent

st.set_page_config(page_title="Neural Network Playground", page_icon="🧠", layout="wide")

st.title("Neural Network Playground")
st.markdown((HERE / "assets" / "home.md").read_text(encoding="utf-8"))

pages = sorted(p for p in (HERE / "pages").glob("*.py") if not p.name.startswith("_"))
if pages:
    st.subheader("Pages")
    for page in pages:
        st.page_link(f"pages/{page.name}")
