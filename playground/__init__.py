"""UI helpers shared by the Streamlit pages: state, controls, live training and figures."""
