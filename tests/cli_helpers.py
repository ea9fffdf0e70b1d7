"""Helpers for tests of the command line: what a ``python -m app`` line means, without running it."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import typer
from typer.core import TyperGroup

from app.cli import app
from app.core.cli_support import PROG


def parse_command_line(argv: Sequence[str]) -> SimpleNamespace:
    """``["serve", "--port", "9000"]`` → ``namespace(command="serve", host=None, port=9000, …)``: the
    command's words and its parameters as the real command line parses them (types, defaults), nothing
    run. Raises the command line's own usage error for an unknown flag or value, ``LookupError`` for an
    unknown word."""
    command: Any = typer.main.get_command(app)
    ctx = None
    words: list[str] = []
    args = list(argv)
    while isinstance(command, TyperGroup):
        # Our groups take no options of their own, only the next word; resilient: no help on no args.
        ctx = command.make_context(words[-1] if words else PROG, [], parent=ctx, resilient_parsing=True)
        if not args:
            raise LookupError(f"`{' '.join([PROG, *words])}` needs a command word")
        name, *args = args
        sub = command.get_command(ctx, name)
        if sub is None:
            raise LookupError(f"`{' '.join([PROG, *words])}` has no command {name!r}")
        words.append(name)
        command = sub
    leaf = command.make_context(words[-1], args, parent=ctx)
    return SimpleNamespace(command=" ".join(words), **leaf.params)
