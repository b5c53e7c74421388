"""Entry point of the Neural Network Playground: the navigation and the home page. The other
pages are the scripts in pages/, ordered by their number: a page whose docstring starts with
"Learn:" teaches (the Learn section), the others train networks (the Train section)."""

import runtime  # noqa: F401 - first, before NumPy: one BLAS thread

# isort: split

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

import streamlit as st  # noqa: E402

HERE = Path(__file__).parent


def page_title(path: Path) -> str:
    """'pages/3_One_neuron.py' -> 'One neuron'."""
    return path.stem.split("_", 1)[1].replace("_", " ")


@st.cache_resource(show_spinner=False)
def _docstrings() -> dict[str, str]:
    """Every page script's docstring, parsed once per process: ast.parse in several script
    threads at once can fail in CPython 3.11 ("AST constructor recursion depth mismatch")."""
    return {p.name: ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) or ""
            for p in (HERE / "pages").glob("*.py")}


def docstring(path: Path) -> str:
    return _docstrings()[path.name]


def summary(path: Path) -> str:
    """The first paragraph of a page script's docstring, without its 'Title: ' lead."""
    line = " ".join(docstring(path).strip().split("\n\n")[0].split())  # the first paragraph
    line = line.split(": ", 1)[1] if ": " in line else line
    return line[:1].upper() + line[1:]


def section(path: Path) -> str:
    return "Learn" if docstring(path).startswith("Learn:") else "Train"


def home() -> None:
    st.title("Neural Network Playground")
    st.markdown((HERE / "assets" / "home.md").read_text(encoding="utf-8"))
    for section in ("Train", "Learn"):
        if not SECTIONS[section]:
            continue
        st.subheader(section)
        for page, path in SECTIONS[section]:
            c = st.columns([1, 3], vertical_alignment="center")
            c[0].page_link(page)
            c[1].caption(summary(path))


scripts = sorted((p for p in (HERE / "pages").glob("[0-9]*_*.py")),
                 key=lambda p: int(p.stem.split("_", 1)[0]))
pages = [st.Page(f"pages/{p.name}", title=page_title(p), url_path=p.stem.split("_", 1)[1])
         for p in scripts]
SECTIONS = {name: [(pg, p) for pg, p in zip(pages, scripts, strict=True) if section(p) == name]
            for name in ("Train", "Learn")}  # section -> [(page, script)]
st.set_page_config(page_title="Neural Network Playground", page_icon="🧠", layout="wide")
nav = {"": [st.Page(home, title="Home", icon=":material/home:", default=True)]}
nav |= {k: [pg for pg, _ in v] for k, v in SECTIONS.items() if v}
st.navigation(nav).run()
