"""The serving CLI: ``python -m serving COMMAND``. Every make target calls one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from serving.audit import verify_chain
from serving.auth import create_api_key
from serving.bench import run_bench
from serving.campaigns.service import run_campaign_cli
from serving.db import make_engine, upgrade
from serving.holdout import evaluate_holdout
from serving.integrity import write as write_integrity
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
    """Check the audit log's hash chain and say where it breaks."""
    with user_errors():
        ok, message = verify_chain(_database())
        typer.echo(message)
        if not ok:
            raise typer.Exit(code=1)


@app.command()
def integrity(
    out: Annotated[Path, typer.Option("--out", help="Folder for the report files.")] = Path(
        "reports/integrity"
    ),
    agency: Annotated[str | None, typer.Option(help="Only this agency.")] = None,
    threshold: Annotated[int, typer.Option(min=1, help="Repeated-origin threshold.")] = 3,
    lang: Annotated[str, typer.Option(help="id or en (CSV headings).")] = "id",
) -> None:
    """Write the integrity reports (JSON and a CSV per section), readable by the owner only."""
    with user_errors():
        for path in write_integrity(_database(), out, agency, threshold, lang):
            typer.echo(str(path))


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


def _database() -> sa.Engine:
    """The configured service database, migrated to the current schema."""
    db = make_engine(get_service_settings().database_url)
    upgrade(db)
    return db


def main() -> None:
    """Entry point of ``python -m serving``."""
    configure_logging(get_service_settings().log_level)
    app()
