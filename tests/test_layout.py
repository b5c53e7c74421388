"""The import graph runs one way: pages -> page packages (ui/playground, ui/compare, ui/learn,
...) -> the shared live framework and charts (ui/live, ui/charts) -> engine. Read from the
code's own import statements, so a new module is checked too."""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

FAMILIES = sorted(p.name for p in (ROOT / "ui").iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name not in
                  ("live", "charts"))


def imports(path: Path) -> set[str]:
    """Absolute names of the modules `path` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return out


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offenders(folder: str, forbidden) -> list[tuple[str, str]]:
    return [(str(p.relative_to(ROOT)), name) for p in modules(folder) for name in imports(p)
            if any(name == f or name.startswith(f + ".") for f in forbidden)]


def test_there_are_page_families():
    assert {"playground", "compare", "learn"} <= set(FAMILIES)


def test_the_engine_imports_no_ui_and_no_display_library():
    assert offenders("engine", ("ui", "streamlit", "plotly", "pages")) == []


def test_charts_are_plain_functions_without_streamlit():
    assert offenders("ui/charts", ("streamlit", "ui.live", *(f"ui.{f}" for f in FAMILIES))) \
        == []


def test_the_live_framework_knows_no_page():
    assert offenders("ui/live", tuple(f"ui.{f}" for f in FAMILIES)) == []


@pytest.mark.parametrize("family", FAMILIES)
def test_no_page_package_imports_another(family):
    others = tuple(f"ui.{f}" for f in FAMILIES if f != family)
    assert offenders(f"ui/{family}", others) == []


# Where code builds figures: everything but the charts (tests and benchmarks may build them).
CODE = ("engine", "ui", "pages", "app.py", "serve.py", "runtime.py")


def _keys(node) -> set:
    """The constant keys of a subscript chain such as fig["layout"]["title"]."""
    keys = set()
    while isinstance(node, ast.Subscript):
        if isinstance(node.slice, ast.Constant):
            keys.add(node.slice.value)
        node = node.value
    return keys


def _builds_a_figure(node) -> bool:
    if isinstance(node, ast.Dict):  # {"data": ..., "layout": ...}
        return {"data", "layout"} <= {k.value for k in node.keys if isinstance(k, ast.Constant)}
    if isinstance(node, ast.Call):
        func = node.func
        name = getattr(func, "id", getattr(func, "attr", ""))
        if name == "dict":
            return {"data", "layout"} <= {k.arg for k in node.keywords}
        if name in ("append", "extend", "insert", "update") and isinstance(func, ast.Attribute):
            return bool(_keys(func.value) & {"data", "layout"})  # fig["data"].append(trace)
        return name == "Figure"
    if isinstance(node, ast.Assign | ast.AugAssign):  # fig["layout"]["title"] = ...
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any("layout" in _keys(t) for t in targets)
    return False


def figure_builders(source: str) -> list[str]:
    """Names of the functions in `source` that build or finish a plotly figure: a dict with both
    "data" and "layout" keys (a literal or dict(...)), a `Figure(...)`, or an edit of a figure's
    layout or traces (fig["layout"][...] = ..., fig["data"].append(...))."""
    return [fn.name for fn in ast.walk(ast.parse(source))
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
            and any(_builds_a_figure(node) for node in ast.walk(fn))]


def test_the_figure_finder_finds_figures_and_only_figures():
    source = """
def literal(x):
    return {"data": [x], "layout": {"height": 1}}
def called():
    return dict(data=[], layout={})
def plotly_object():
    return go.Figure()
def outer():
    def inner():
        return {"layout": {}, "data": [], "frames": []}
    return inner()
def retitles(fig):
    fig["layout"]["title"]["text"] = "t"
def adds_a_trace(fig, trace):
    fig["data"].append(trace)
    return fig
def widens(fig):
    fig["layout"]["margin"] |= {"t": 4}
def reads_a_figure(fig):
    return {"data": fig["data"], "n": len(fig["layout"])}
def not_a_figure(out, rows):
    out["data"] = rows
    return {"data": 1, "config": 2}
"""
    assert sorted(figure_builders(source)) == ["adds_a_trace", "called", "inner", "literal",
                                               "outer", "plotly_object", "retitles", "widens"]


# Known to finish a chart's figure outside ui/charts (its family's owner moves it; the list
# only shrinks: an entry that no longer holds fails the test below).
NOT_YET_MOVED: set[str] = set()


def test_every_figure_is_built_in_the_charts():
    """Every function that builds a plotly figure lives under ui/charts/ (one findable place);
    pages and page packages call them."""
    files = [p for name in CODE for p in ([ROOT / name] if name.endswith(".py")
                                          else sorted((ROOT / name).rglob("*.py")))]
    files = [p for p in files if not p.is_relative_to(ROOT / "ui" / "charts")]
    assert len(files) > 50
    offenders = {f"{p.relative_to(ROOT)}: {name}" for p in files
                 for name in figure_builders(p.read_text(encoding="utf-8"))}
    assert offenders - NOT_YET_MOVED == set()
    assert NOT_YET_MOVED <= offenders


def test_the_charts_build_figures():
    """The finder above sees the charts' own builders (so its silence elsewhere means
    something), every Learn topic's among them."""
    found = {p.relative_to(ROOT).with_suffix("").as_posix(): figure_builders(p.read_text())
             for p in sorted((ROOT / "ui" / "charts").rglob("*.py"))}
    assert {"neuron_maps_figure", "warp_figure"} <= set(found["ui/charts/learn/hidden"])
    assert found["ui/charts/activations"] == ["activation_figure"]
    assert all(found[f"ui/charts/learn/{m}"] for m in ("hidden", "landscape", "loss_view",
                                                        "neuron", "nonlinearity", "overfitting",
                                                        "stepthrough"))


def test_pages_are_thin_scripts():
    for p in sorted((ROOT / "pages").glob("*.py")):
        names = imports(p)
        assert not {n for n in names if n.startswith(("plotly", "numpy", "sklearn"))}, p.name
        assert len(p.read_text().splitlines()) <= 130, p.name


def layout_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Layout", 1)[1].split("\n## ", 1)[0]


def test_the_readme_s_layout_table_names_every_module():
    """A newcomer finds a module from the README: every public module of the engine, of the live
    framework and of the charts is named in the layout table (a sub-package of the charts by
    its folder), and so is every page family, benchmark and top-level folder."""
    table = layout_table()
    named = [p for folder in ("engine", "engine/data", "engine/layers", "ui/live", "ui/charts")
             for p in sorted((ROOT / folder).glob("*.py")) if not p.name.startswith("_")]
    missing = [str(p.relative_to(ROOT)) for p in named if f"`{p.name}`" not in table
               and f"{p.name}`" not in table and f" {p.name}" not in table]
    # a sub-package (e.g. ui/charts/learn/, one module per Learn page) is named as a whole
    missing += [f"{p.relative_to(ROOT)}/" for folder in ("ui/live", "ui/charts")
                for p in sorted((ROOT / folder).iterdir()) if (p / "__init__.py").exists()
                and f"`{p.relative_to(ROOT)}/`" not in table and f"`{p.name}/`" not in table]
    missing += [f"ui/{f}/" for f in FAMILIES if f"`ui/{f}/`" not in table]
    missing += [f"bench/{p.name}" for p in sorted((ROOT / "bench").glob("*.py"))
                if f"`{p.name}`" not in table]
    missing += [f"{d}/" for d in ("engine", "ui/live", "ui/charts", "pages", "assets", "tests",
                                  "bench") if f"`{d}/`" not in table]
    assert missing == []


def test_compare_s_model_and_kinds_need_no_streamlit():
    """Compare's settings, kinds and view are importable without Streamlit or plotly (the
    page's constants do not drag the UI library in)."""
    import subprocess
    import sys

    code = ("import sys, ui.compare.model, ui.compare.kinds, ui.compare.view; "
            "print(sorted(m for m in ('streamlit', 'plotly') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == "[]"


def test_users_see_no_deploy_button_and_no_developer_menu():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer"
    assert config["runner"]["postScriptGC"] is False
