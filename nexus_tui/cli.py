"""The `nexus-tui` command line (typer). `python -m nexus_tui` is the same program.

Heavy modules (textual, ccxt, the engine) are imported inside the commands that need them so
that `nexus-tui --version` and `--help` stay fast. Expected failures (NexusError) print one
line on stderr and exit 2 (bad input) or 1; they never show a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from nexus_tui import __version__
from nexus_tui.core.errors import NexusError
from nexus_tui.core.runtime import tune_gc

if TYPE_CHECKING:
    from nexus_tui.config.commands import ConfigSession
    from nexus_tui.config.schema import NexusConfig

T = TypeVar("T")

app = typer.Typer(
    name="nexus-tui",
    help="NEXUS TUI: a terminal desk for funding-rate arbitrage on crypto perpetual futures.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def warn(message: str) -> None:
    """One line on stderr, the program's name first."""
    typer.echo(f"nexus-tui: {message}", err=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, then exit with `code`."""
    warn(message)
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


# -- where the config lives and how the master password is given (shared by every command that
#    opens the vault; accepted before the command, `nexus-tui --home X init`, or after it) -----

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home", help="Directory holding config.enc (default: $NEXUS_HOME, else ~/.config/nexus-tui)."
    ),
]
PasswordFileOption = Annotated[
    Path | None,
    typer.Option("--password-file", help="Read the master password from this file (must be mode 0600)."),
]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the master password from the first line of stdin.")
]


@dataclass(frozen=True, slots=True)
class VaultOptions:
    """The --home / --password-file / --password-stdin options as given (root or command)."""

    home: Path | None = None
    password_file: Path | None = None
    password_stdin: bool = False

    def merged(self, home: Path | None, password_file: Path | None, password_stdin: bool) -> VaultOptions:
        """These options with the ones given after the command name taking precedence."""
        return VaultOptions(
            home or self.home, password_file or self.password_file, password_stdin or self.password_stdin
        )


def vault_options(
    ctx: typer.Context, home: Path | None = None, password_file: Path | None = None, stdin: bool = False
) -> VaultOptions:
    root = ctx.find_root().obj
    given = root if isinstance(root, VaultOptions) else VaultOptions()
    return given.merged(home, password_file, stdin)


def config_session(options: VaultOptions) -> ConfigSession:
    """What the config commands (and the TUI's unlock with --password-*) need to reach the vault."""
    from nexus_tui.config.commands import ConfigSession
    from nexus_tui.config.password import PasswordReader, PasswordSource
    from nexus_tui.config.paths import resolve_home

    source = PasswordSource(file=options.password_file, stdin=options.password_stdin)
    return ConfigSession(home=resolve_home(options.home), passwords=PasswordReader(source))


SpeedOption = Annotated[float | None, typer.Option(help="Run the simulated clock N times faster (sim mode).")]
SeedOption = Annotated[int | None, typer.Option(help="Simulated market seed (sim mode).")]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
VenuesOption = Annotated[str | None, typer.Option(help="Only these venues, comma-separated.")]
# A ccxt funding JSON file names neither its exchange nor, with one entry, its interval.
CcxtVenueOption = Annotated[str | None, typer.Option(help="The exchange a ccxt funding JSON file came from.")]
CcxtIntervalOption = Annotated[
    int | None, typer.Option(min=1, max=24, help="Funding interval for a one-entry ccxt history file.")
]


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
    speed: SpeedOption = None,
    seed: SeedOption = None,
) -> None:
    """With no command, `nexus-tui` runs the TUI (same as `nexus-tui run`, options included)."""
    ctx.obj = VaultOptions(home, password_file, password_stdin)
    if ctx.invoked_subcommand is None:
        ctx.invoke(run, ctx, speed=speed, seed=seed)
    elif speed is not None or seed is not None:
        raise typer.BadParameter(
            f"--speed and --seed go after the command: nexus-tui {ctx.invoked_subcommand} --seed N"
        )


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"nexus-tui {__version__}")


@app.command()
def run(
    ctx: typer.Context,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
    speed: SpeedOption = None,
    seed: SeedOption = None,
) -> None:
    """Start the TUI (the default command). With --password-file / --password-stdin it opens
    without the unlock screen."""
    options = vault_options(ctx, home, password_file, password_stdin)

    def start_desk() -> int:
        from nexus_tui.ui.launch import run_desk  # textual is imported only here

        given = options.password_file is not None or options.password_stdin
        return run_desk(config_session(options), password_given=given, speed=speed, seed=seed)

    code = guarded(start_desk)
    if code:
        raise typer.Exit(code)


# -- commands added by later work go below this line (keep each a thin wrapper) ---------


@app.command()
def scan(
    ctx: typer.Context,
    snapshot: Annotated[
        Path | None, typer.Option(help="Scan a funding tape (CSV, JSON Lines or ccxt JSON), not the venues.")
    ] = None,
    size: Annotated[float | None, typer.Option(help="Target size per leg in USD (default 10000).")] = None,
    json_out: JsonOption = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list the obvious trades that are not viable, and why.")
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Show at most this many rows (text).")] = None,
    venues: VenuesOption = None,
    venue: CcxtVenueOption = None,
    interval_hours: CcxtIntervalOption = None,
    seed: SeedOption = None,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Ranked opportunities, headless: from the venues (or the simulator) now, or from a tape."""
    from nexus_tui.market.commands import parse_venues
    from nexus_tui.strategy import commands

    options = vault_options(ctx, home, password_file, password_stdin)

    def report() -> str:
        config = None if snapshot is not None else commands.desk_config(config_session(options))
        return commands.scan_report(
            config,
            json_out=json_out,
            size=size,
            snapshot=snapshot,
            venues=parse_venues(venues),
            venue=venue,
            interval_hours=interval_hours,
            seed=seed,
            explain=show_all,
            limit=limit,
            warn=warn,
        )

    typer.echo(guarded(report))


@app.command()
def bench(
    json_out: JsonOption = False,
    only: list[str] = typer.Option([], "--only", help="Run only benches whose name contains this."),
) -> None:
    """Run the performance benchmarks and compare them with their goals."""
    import json

    from nexus_tui.bench.runner import Pace, as_json, as_text, measure_pace, run_all
    from nexus_tui.ui.bench_modules import UI_BENCH_MODULES

    before = measure_pace()
    results = guarded(lambda: run_all(only or None, UI_BENCH_MODULES))
    pace = Pace(before, measure_pace())
    if json_out:
        typer.echo(json.dumps(as_json(results, pace)))
    else:
        typer.echo(as_text(results, pace))


@app.command()
def init(
    ctx: typer.Context,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
    from_file: Path | None = typer.Option(
        None, "--from", help="Start from the non-secret values of this YAML file (e.g. config/example.yaml)."
    ),
) -> None:
    """Create the encrypted config with the defaults (asks the new master password twice)."""
    from nexus_tui.config import commands

    options = vault_options(ctx, home, password_file, password_stdin)
    typer.echo(guarded(lambda: commands.init(config_session(options), from_file)))


@app.command()
def doctor(
    ctx: typer.Context,
    venues: str = typer.Option("", "--venues", help="Only these venues, comma-separated (e.g. bybit,okx)."),
    json_out: JsonOption = False,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Check each venue: reachable, latency, clock skew, markets loaded, keys valid and unable to
    withdraw. One line per venue; exit 0 when every checked venue is fine, 1 otherwise."""
    import asyncio
    import json

    from nexus_tui.doctor import DoctorReport, doctor_from_config, parse_venue_list

    options = vault_options(ctx, home, password_file, password_stdin)

    def check() -> DoctorReport:
        return asyncio.run(doctor_from_config(_desk_config(options), only=parse_venue_list(venues)))

    report = guarded(check)
    typer.echo(json.dumps(report.as_json()) if json_out else report.as_text())
    raise typer.Exit(0 if report.ok else 1)


config_app = typer.Typer(
    name="config",
    help="Read and change the encrypted config. Secrets are always printed masked.",
    no_args_is_help=True,
)
app.add_typer(config_app)


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Print the whole config as YAML (secrets masked)."""
    from nexus_tui.config import commands

    options = vault_options(ctx, home, password_file, password_stdin)
    typer.echo(guarded(lambda: commands.show(config_session(options))))


@config_app.command("get")
def config_get(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Dotted key, e.g. strategy.min_net_apr or risk.standard."),
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Print one value or section (secrets masked)."""
    from nexus_tui.config import commands

    options = vault_options(ctx, home, password_file, password_stdin)
    typer.echo(guarded(lambda: commands.get(config_session(options), key)))


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Dotted key, e.g. trading.mode or venues.bybit.api_key."),
    value: str = typer.Argument(
        ..., help="The new value; `-` reads it from stdin or a hidden prompt (required for secrets)."
    ),
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Set one value. The whole config is validated; if invalid, nothing changes (exit 2)."""
    from nexus_tui.config import commands

    options = vault_options(ctx, home, password_file, password_stdin)
    typer.echo(guarded(lambda: commands.set_(config_session(options), key, value)))


@config_app.command("unset")
def config_unset(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="Dotted key to put back to its default (or remove)."),
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Reset one value to its default (removes a credential, or a per-symbol entry)."""
    from nexus_tui.config import commands

    options = vault_options(ctx, home, password_file, password_stdin)
    typer.echo(guarded(lambda: commands.unset(config_session(options), key)))


@config_app.command("passwd")
def config_passwd(
    ctx: typer.Context,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Re-encrypt the config under a new master password (asked twice; with --password-stdin,
    the lines after the current password)."""
    from nexus_tui.config import commands

    options = vault_options(ctx, home, password_file, password_stdin)
    typer.echo(guarded(lambda: commands.passwd(config_session(options))))


def _desk_config(options: VaultOptions) -> NexusConfig | None:
    """The unlocked config, or None (built-in defaults: the simulated market) when there is no vault."""
    from nexus_tui.config.vault import Vault

    session = config_session(options)
    return session.unlock().config if Vault.exists(session.home) else None


@app.command()
def funding(
    ctx: typer.Context,
    json_out: JsonOption = False,
    venues: VenuesOption = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Read a funding tape (CSV, JSON Lines or ccxt JSON), not the venues.")
    ] = None,
    venue: CcxtVenueOption = None,
    interval_hours: CcxtIntervalOption = None,
    seed: SeedOption = None,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Print the reconciled funding book once: rate per interval and per hour, APR, source, flags."""
    from nexus_tui.market import commands

    options = vault_options(ctx, home, password_file, password_stdin)

    def report() -> str:
        config = None if snapshot is not None else _desk_config(options)
        return commands.funding_report(
            config,
            json_out=json_out,
            venues=commands.parse_venues(venues),
            snapshot=snapshot,
            venue=venue,
            interval_hours=interval_hours,
            seed=seed,
            warn=warn,
        )

    typer.echo(guarded(report))


@app.command()
def record(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="The tape to write (.csv or .jsonl).")],
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds (clock time).")] = None,
    interval: Annotated[float | None, typer.Option(help="Seconds between snapshots (clock time).")] = None,
    speed: Annotated[float | None, typer.Option(help="Run the simulated clock N times faster.")] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv or jsonl (default: from the name).")
    ] = None,
    venues: VenuesOption = None,
    seed: SeedOption = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
    home: HomeOption = None,
    password_file: PasswordFileOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Record the funding book over time as a tape; Ctrl-C stops cleanly, keeping what was written."""
    from nexus_tui.market import commands

    options = vault_options(ctx, home, password_file, password_stdin)
    recording = commands.Recording(out)
    try:  # not `guarded`: Ctrl-C is how a recording normally ends, so it exits 0
        commands.record_command(
            _desk_config(options),
            recording,
            duration_s=duration,
            interval_s=interval,
            speed=speed,
            fmt=fmt,
            venues=commands.parse_venues(venues),
            seed=seed,
            force=force,
            warn=warn,
        )
    except NexusError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        warn(f"stopped; {recording.rows} row(s) in {out}")
        return
    warn(f"recorded {recording.rows} row(s), {recording.passes} pass(es), to {out}")


def _click_exceptions() -> Any:
    try:  # recent typer vendors its own copy of click
        from typer._click import exceptions as vendored

        return vendored
    except ImportError:  # pragma: no cover - older typer uses click itself
        from click import exceptions as upstream

        return upstream


def main() -> None:
    tune_gc()
    click = _click_exceptions()

    try:
        # standalone_mode=False lets us print usage errors as one line instead of click's block
        result = app(standalone_mode=False)
    except click.UsageError as exc:
        hint = (
            f" (see: nexus-tui {exc.ctx.command_path.partition(' ')[2]} --help)".replace("  ", " ")
            if exc.ctx
            else ""
        )
        warn(f"{exc.format_message()}{hint}")
        sys.exit(2)
    except click.ClickException as exc:  # other click errors (bad file argument, ...)
        warn(exc.format_message())
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        warn("interrupted")
        sys.exit(1)
    except KeyboardInterrupt:
        warn("interrupted")
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)
