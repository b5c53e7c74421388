"""Widgets made from the engine's settings fields, and the help texts of every control.

`field_widget` draws the widget a field calls for (a picker of its offered values, a slider, a
number box, a select box, a toggle, a multi-select), labelled and explained by the field, under
a key of the page's, and returns its value: pages read values from what the controls return,
not from session state. A setting's help is its field's, followed by a link to the Learn page
that explains it (assets/help.toml, [learn_more]); controls that are not settings (Play, the
view options, ...) take theirs from the same file, or from their page family's
assets/<family>/help.toml.
"""

import tomllib
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from engine.fields import Choice, Field, Flag, Names, Number, PerLayer, Text, Widths

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def _load_help() -> tuple[dict[str, str], dict[str, list[str]]]:
    """assets/help.toml and every page family's assets/<family>/help.toml, merged: (help texts
    by control name, [learn_more] links). A name given twice is a mistake: it raises."""
    help_, links = {}, {}
    for path in [ASSETS / "help.toml", *sorted(ASSETS.glob("*/help.toml"))]:
        texts = tomllib.loads(path.read_text(encoding="utf-8"))
        more = texts.pop("learn_more", {})
        for mine, theirs in ((texts, help_), (more, links)):
            twice = set(mine) & set(theirs)
            if twice:
                raise ValueError(f"{path}: help for {sorted(twice)} is given twice")
            theirs.update(mine)
    return help_, links


HELP, LEARN_MORE = _load_help()  # control name -> help text; name -> [Learn page, url]


def learn_more(name: str) -> str:
    """' Learn more: [Page](url)' for a setting or control a Learn page explains, else ''."""
    if name not in LEARN_MORE:
        return ""
    title, url = LEARN_MORE[name]
    return f" Learn more: [{title}]({url})."


def help_text(name: str, field: Field | None = None) -> str:
    """The help of control `name`: its field's help (if it is a setting) or its own, with a
    link to the Learn page that explains it."""
    text = field.help if field is not None else HELP.get(name, "")
    return text + learn_more(name)


def number_text(v: float) -> str:
    return f"{v:g}"


def field_widget(field: Field, key: str, container=None, *, label: str | None = None,
                 options: list | None = None, horizontal: bool = False,
                 disabled: bool = False):
    """Draw the widget of `field` under `key` in `container` (default: the main area) and return
    its value. The widget's value lives in session state under `key` (seeded by the page: no
    `value=` here). `options` narrows a choice's options; a per-layer field draws its item
    (one value for all layers)."""
    c = container if container is not None else st
    name = field.name
    kw = {"key": key, "help": help_text(name, field), "disabled": disabled}
    label = label or field.label or name
    if isinstance(field, PerLayer):
        field = field.item
    if isinstance(field, Flag):
        return c.toggle(label, **kw)
    if isinstance(field, Choice):
        opts = options if options is not None else field.names
        chosen = st.session_state.get(key)
        if isinstance(chosen, str) and field.describe(chosen):  # the registry's own words
            kw["help"] += f"\n\n**{field.show(chosen)}**: {field.describe(chosen)}"
        if horizontal:
            return c.radio(label, opts, format_func=field.show, horizontal=True, **kw)
        return c.selectbox(label, opts, format_func=field.show, **kw)
    if isinstance(field, Names):
        return c.multiselect(label, options if options is not None else list(field.options),
                             format_func=field.show, **kw)
    if isinstance(field, Number):
        return _number(c, field, label, kw)
    if isinstance(field, Text):
        if options is not None:  # e.g. a data column's name, out of the data's columns
            return c.selectbox(label, options, **kw)
        return c.text_input(label, max_chars=field.max_len, **kw)
    raise TypeError(f"no widget for {type(field).__name__} {name!r}")


def _number(c, f: Number, label: str, kw: dict):
    kind = int if f.integer else float
    current = st.session_state.get(kw["key"], f.default)
    if f.offered:
        values = sorted(set(f.offered) | ({kind(current)} if current is not None else set()))
        return c.select_slider(label, values, format_func=number_text, **kw)
    if f.slider:
        step = kind(f.step) if f.step else None
        fmt = {"format": "%.1f"} if (f.step or 1) >= 0.1 and not f.integer else {}
        return c.slider(label, kind(f.low), kind(f.high), step=step, **fmt, **kw)
    step = f.step if f.step else (1 if f.integer else 0.01 if f.high <= 1 else 0.1)
    fmt = {} if f.integer else {"format": "%g"}
    return c.number_input(label, kind(f.low), kind(f.high), step=kind(step), **fmt, **kw)


def widths_text(widths) -> str:
    """Layer widths as the text of their box: (8, 8) -> '8, 8'."""
    return ", ".join(str(w) for w in widths)


def parse_widths(text: str) -> tuple[int, ...]:
    """'8, 8' (or '[8; 8]', or '') -> (8, 8); ValueError for anything that is not whole
    numbers separated by commas."""
    parts = [p.strip() for p in str(text).strip("[]() ").replace(";", ",").split(",")]
    parts = [p for p in parts if p]
    if not all(p.isdigit() for p in parts):
        raise ValueError(f"write whole numbers separated by commas, not {str(text)[:30]!r}")
    return tuple(int(p) for p in parts)


def widths_widget(field: Widths, key: str, container=None, *, disabled: bool = False) -> str:
    """A text box for layer widths ('8, 8'); returns its text (read it with parse_widths, which
    names what is wrong)."""
    c = container if container is not None else st
    example = "8, 16" if field.max_len > 1 else "8"
    return c.text_input(field.label or field.name, key=key, disabled=disabled,
                        help=help_text(field.name, field) + f" Comma-separated, e.g. {example}; "
                             f"at most {field.max_len} of {field.low} to {field.high}.")


def hyper_widgets(fields: dict[str, Field], optimizer: str, key: Callable[[str], str]) -> dict:
    """The widgets of optimizer `optimizer`'s hyperparameters (eps left at its default), side
    by side in the current container, from the settings' `fields`; returns name -> value."""
    spec = fields["optimizer"].options[optimizer]
    names = [n for n in spec.hyper if n != "eps"]
    cols = st.columns(len(names)) if names else []
    return {n: field_widget(fields[n], key(n), col) for col, n in zip(cols, names, strict=True)}
