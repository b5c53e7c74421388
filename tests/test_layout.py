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
    framework and of the charts is named in the layout table, and so is every page family,
    benchmark and top-level folder."""
    table = layout_table()
    named = [p for folder in ("engine", "engine/data", "engine/layers", "ui/live", "ui/charts")
             for p in sorted((ROOT / folder).glob("*.py")) if not p.name.startswith("_")]
    missing = [str(p.relative_to(ROOT)) for p in named if f"`{p.name}`" not in table
               and f"{p.name}`" not in table and f" {p.name}" not in table]
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
