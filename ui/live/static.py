"""Serve plotly.js to our live-chart component from the app's own static folder.

Streamlit serves `static/` next to app.py at `app/static/` (server.enableStaticServing). The file
is copied from the installed plotly package, so its version always matches plotly.py; it is not
committed. Symlinks are not served when they lead outside the folder, hence a copy.
"""

import os
import shutil
import tempfile
from pathlib import Path

import plotly

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
PLOTLY_JS = STATIC / "vendor" / "plotly.min.js"
PLOTLY_URL = "app/static/vendor/plotly.min.js"
SOURCE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def ensure_plotly_js() -> Path:
    """Copy plotly.min.js into static/vendor/ unless an identical-size copy is there."""
    if PLOTLY_JS.exists() and PLOTLY_JS.stat().st_size == SOURCE.stat().st_size:
        return PLOTLY_JS
    PLOTLY_JS.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=PLOTLY_JS.parent, suffix=".tmp")
    os.close(fd)
    shutil.copyfile(SOURCE, tmp)
    os.replace(tmp, PLOTLY_JS)  # atomic: concurrent sessions never see half a file
    return PLOTLY_JS


if __name__ == "__main__":
    print(ensure_plotly_js())
