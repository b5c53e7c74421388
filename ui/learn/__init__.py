"""The Learn pages' helpers: exact demonstrations computed by the engine, one module per page.

Each module holds plain functions (maths and figure building, testable without Streamlit);
`common` holds the little the pages share (presenter mode, explanation texts).
"""
