"""The serving CLI: ``python -m serving COMMAND``. Every make target calls one command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from serving import audit, shortlists
from serving.auth import create_api_key
from serving.bench import run_bench
from serving.campaigns.service import run_campaign_cli
from serving.db import make_engine, upgrade
from serving.holdout import evaluate_holdout
from serving.server import run_demo
from serving.server import serve as run_server
from serving.settings import get_service_settings
from training.cli import configure_logging, user_errors

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

DataDir = Annotated[Path, typer.Option("--data-dir", help="Folder of the personnel export.")]


@app.command()
def serve(
    data_dir: DataDir,
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Serve the API and the review page."""
    with user_errors():
        run_server(data_dir, host=host, port=port)


@app.command()
def run(
    data_dir: DataDir = Path("data/demo"),
    employees: Annotated[int, typer.Option(min=200)] = 5000,
    seed: int = 42,
    config: Path = Path("training/configs/default.yaml"),
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """The main job: a demo export if none, train and register, then serve with a demo key."""
    with user_errors():
        run_demo(data_dir, employees=employees, seed=seed, config=config, port=port)


@app.command(name="api-key")
def api_key(
    role: Annotated[str, typer.Option(help="committee, admin or auditor.")],
    agency: Annotated[str | None, typer.Option(help="Agency the key may see.")] = None,
) -> None:
    """Create an API key; only its hash is stored. The key is printed as the last line."""
    with user_errors():
        db = _database()
        key_id, key = create_api_key(db, role, agency)
        scope = f"agency {agency}" if agency else "every agency"
        typer.echo(f"created {role} key {key_id} for {scope}; store it now, it is not kept:\n{key}")


@app.command(name="audit-verify")
def audit_verify() -> None:
    """Check the audit log's seals, chain, covered rows and checkpoints; list every finding."""
    with user_errors():
        result = audit.verify(_database(create_key=False))
        for line in result.lines():
            typer.echo(line)
        if not result.ok:
            raise typer.Exit(code=1)


@app.command()
def purge(
    days: Annotated[int | None, typer.Option(min=1, help="Retention in days.")] = None,
) -> None:
    """Delete generated shortlists nobody decided on, older than the retention period."""
    with user_errors():
        settings = get_service_settings()
        db = _database()
        retention = days or settings.shortlist_retention_days
        purged = shortlists.purge(db, datetime.now(UTC) - timedelta(days=retention))
        audit.checkpoint(db)
        typer.echo(f"purged {len(purged)} shortlists older than {retention} days with no decision")


@app.command()
def campaign(
    data_dir: DataDir,
    positions: Annotated[str | None, typer.Option(help="Comma-separated position ids.")] = None,
    agency: Annotated[str | None, typer.Option(help="All open vacancies of this agency.")] = None,
) -> None:
    """Assign many vacancies at once (optimal assignment with vacancy chains)."""
    with user_errors():
        typer.echo(run_campaign_cli(data_dir, positions=positions, agency=agency))


@app.command()
def holdout(
    data_dir: DataDir,
    truth: Annotated[Path, typer.Option("--truth", help="Folder of truth.csv and truth.json.")],
    k: Annotated[int, typer.Option(min=1, max=200)] = 10,
) -> None:
    """Score the champion's served top-k of every open vacancy against a held-back truth."""
    with user_errors():
        typer.echo(evaluate_holdout(data_dir, truth, k=k).summary())


@app.command()
def bench() -> None:
    """Benchmark features, rules, shortlists and plain predict; print medians and ratios."""
    with user_errors():
        run_bench()


def _database(*, create_key: bool = True) -> sa.Engine:
    """The configured service database, migrated, with its audit key (made if missing)."""
    settings = get_service_settings()
    db = make_engine(settings.database_url)
    upgrade(db)
    audit.install(db, settings, create_key=create_key)
    return db


def main() -> None:
    """Entry point of ``python -m serving``."""
    configure_logging(get_service_settings().log_level)
    app()
