"""The leaders' dashboard (Plotly Dash): pages, figures and components."""
