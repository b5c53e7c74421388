"""The Playground page: its controls, its view of a trainer, and its panels."""
