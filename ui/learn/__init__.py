"""The Learn pages' helpers: exact demonstrations computed by the engine, one module per page.

Each module holds plain functions (the maths and the page's state, testable without Streamlit);
their figures are the module of the same name in ui/charts/learn/; `common` holds the little
the pages share (presenter mode, explanation texts).
"""
