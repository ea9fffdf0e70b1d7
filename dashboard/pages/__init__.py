"""One module per dashboard page (Dash pages)."""
