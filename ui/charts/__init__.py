"""Every chart of the app: plain functions from arrays to plotly figures or images (see base.py)."""
