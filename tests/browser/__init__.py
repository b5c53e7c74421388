"""Headless-Chromium tests (marker `browser`)."""
