"""`python -m seed` is `python -m app seed`."""

from app.cli import main

main(["seed", "demo"])
