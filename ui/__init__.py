"""The user interface: Streamlit page packages (playground, compare, learn) on a shared
live-training framework (live) and one place for every chart (charts). The scripts in pages/
are thin tops over these."""
