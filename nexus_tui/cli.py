"""The `nexus-tui` command line (typer). `python -m nexus_tui` is the same program.

Heavy modules (textual, ccxt, the engine) are imported inside the commands that need them so
that `nexus-tui --version` and `--help` stay fast. Expected failures (NexusError) print one
line on stderr and exit 2 (bad input) or 1; they never show a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

import typer

from nexus_tui import __version__
from nexus_tui.core.errors import NexusError

T = TypeVar("T")

app = typer.Typer(
    name="nexus-tui",
    help="NEXUS TUI: a terminal desk for funding-rate arbitrage on crypto perpetual futures.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, then exit with `code`."""
    typer.echo(f"nexus-tui: {message}", err=True)
    raise typer.Exit(code)


def guarded(action: Callable[[], T]) -> T:
    """Run a command body, turning expected failures into a one-line message and exit code."""
    try:
        return action()
    except NexusError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("interrupted", 1)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"nexus-tui {__version__}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """With no command, `nexus-tui` runs the TUI (same as `nexus-tui run`)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(run)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"nexus-tui {__version__}")


@app.command()
def run() -> None:
    """Start the TUI (the default command)."""
    fail("the TUI is not wired yet", 1)


# -- commands added by later work go below this line (keep each a thin wrapper) ---------


@app.command()
def bench(
    json_out: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    only: list[str] = typer.Option([], "--only", help="Run only benches whose name contains this."),
) -> None:
    """Run the performance benchmarks and compare them with their goals."""
    import json

    from nexus_tui.bench.runner import as_json, as_text, run_all

    results = guarded(lambda: run_all(only or None))
    if json_out:
        typer.echo(json.dumps(as_json(results)))
    else:
        typer.echo(as_text(results))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("nexus-tui: interrupted", err=True)
        sys.exit(1)
