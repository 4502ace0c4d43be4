"""The training CLI: ``python -m training COMMAND``. Every make target calls one command."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from features.errors import JobfitError
from features.loader import load_export, summarize_export
from features.partitioned import is_partitioned, split_export, validate_partitioned
from training.monitor import realised_quality, realised_summary, run_monitor
from training.outcomes import ingest_outcomes as ingest
from training.pipeline import evaluate_registered, train_and_register
from training.registry import export_champion
from training.registry import promote as promote_version
from training.registry import rollback as rollback_champion
from training.settings import get_settings
from training.staleness import run_staleness
from training.synthetic import generate_export

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

DataDir = Annotated[Path, typer.Option("--data-dir", help="Folder of the personnel export.")]
ConfigPath = Annotated[
    Path, typer.Option("--config", help="Training config (YAML).", exists=True, dir_okay=False)
]


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn errors the user caused into a message on stderr and exit code 2."""
    try:
        yield
    except JobfitError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None


def configure_logging(level: str = "INFO") -> None:
    """Configure the root logger once, at the entry point."""
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


@app.command()
def data(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the export to.")],
    employees: Annotated[int, typer.Option(min=200, max=6_000_000)] = 5000,
    seed: int = 42,
    format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    reference_date: Annotated[
        str, typer.Option(help="Export date (ISO): nothing is dated after it.")
    ] = "2026-10-31",
    latent: Annotated[
        str, typer.Option(help="Latent-fit variant behind labels and truth: default, perturbed.")
    ] = "default",
    truth: Annotated[
        Path | None,
        typer.Option("--truth", help="Also write the held-back truth here (outside --out)."),
    ] = None,
    legacy_history: Annotated[
        bool,
        typer.Option(
            "--legacy-history",
            help="Write years before 2022 in the old scales (SKP scores, Cukup, Diklatpim).",
        ),
    ] = False,
    partitioned: Annotated[
        bool,
        typer.Option(
            "--partitioned",
            help="Write each agency as its own export in agency_id=<id>/ (national scale).",
        ),
    ] = False,
) -> None:
    """Generate a synthetic personnel export in the data contract's format."""
    with user_errors():
        generate_export(
            out, employees=employees, seed=seed, fmt=format, reference_date=reference_date,
            latent=latent, truth_dir=truth, legacy_history=legacy_history,
            partitioned=partitioned,
        )  # fmt: skip


@app.command()
def validate(
    data_dir: DataDir,
    rejects: Annotated[
        Path | None, typer.Option(help="Set bad rows aside in this file instead of refusing.")
    ] = None,
) -> None:
    """Validate an export against the data contract and print what it holds."""
    with user_errors():
        if is_partitioned(data_dir):
            if rejects is not None:
                raise JobfitError(
                    "--rejects sets rows aside in one agency: pass its agency_id=<id>/"
                )
            summary = validate_partitioned(data_dir, report=Path("var/validation-report.csv"))
            agencies = len(summary.agencies)
            typer.echo(f"export is valid: {summary.employees:,} employees in {agencies} agencies")
            return
        export = load_export(data_dir, rejects=rejects, report=Path("var/validation-report.csv"))
        typer.echo(summarize_export(export))
        if rejects is not None:
            set_aside = (
                sum(1 for _ in rejects.open(encoding="utf-8")) - 1 if rejects.exists() else 0
            )
            typer.echo(f"set aside {max(set_aside, 0)} row(s) with their reasons into {rejects}")


@app.command()
def partition(
    data_dir: DataDir,
    out: Annotated[Path, typer.Option("--out", help="New folder for the agency partitions.")],
) -> None:
    """Split a one-folder export into agency_id=<id>/ partitions, streamed table by table."""
    with user_errors():
        agencies = split_export(data_dir, out)
        typer.echo(f"wrote {len(agencies)} agency partition(s) to {out}")


@app.command()
def train(data_dir: DataDir, config: ConfigPath = Path("training/configs/default.yaml")) -> None:
    """Train, evaluate, register and gate a ranker; print a summary against the baselines."""
    with user_errors():
        result = train_and_register(data_dir, config)
        typer.echo(result.summary())


@app.command()
def evaluate(
    data_dir: DataDir,
    version: Annotated[str | None, typer.Option(help="Default: champion.")] = None,
) -> None:
    """Evaluate a registered model version on the held-out rounds."""
    with user_errors():
        typer.echo(evaluate_registered(data_dir, version).summary())


@app.command()
def tune(
    data_dir: DataDir,
    config: ConfigPath = Path("training/configs/default.yaml"),
    trials: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """Search hyperparameters with Optuna; each trial is logged to MLflow."""
    from training.tuning import tune as run_tuning  # optuna loads only when tuning

    with user_errors():
        typer.echo(run_tuning(data_dir, config, trials=trials))


@app.command()
def promote(version: Annotated[str, typer.Option(help="Registered version to promote.")]) -> None:
    """Give the champion alias to a registered version (a human decision)."""
    with user_errors():
        typer.echo(promote_version(version))


@app.command()
def rollback() -> None:
    """Give the champion alias back to the previous champion."""
    with user_errors():
        typer.echo(rollback_champion())


@app.command(name="export")
def export_model(out: Annotated[Path, typer.Option("--out")] = Path("models")) -> None:
    """Export the champion into a folder for offline serving."""
    with user_errors():
        typer.echo(export_champion(out))


@app.command(name="mlflow-ui")
def mlflow_ui(port: int = 5000) -> None:
    """Start the MLflow UI on 127.0.0.1 against the configured tracking store."""
    settings = get_settings()
    command = [sys.executable, "-m", "mlflow", "ui", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--backend-store-uri", settings.mlflow_tracking_uri]
    raise typer.Exit(subprocess.call(command))


@app.command(name="ingest-outcomes")
def ingest_outcomes(
    data_dir: DataDir,
    file: Annotated[Path, typer.Option("--file", help="CSV of outcome ratings of placed people.")],
) -> None:
    """Add later outcome ratings of placed people as OUTCOME labels for the next training."""
    with user_errors():
        typer.echo(ingest(data_dir, file))
    try:  # the outcomes are in: a realised-quality figure that cannot be made is only said
        typer.echo(realised_summary(realised_quality(data_dir)))
    except JobfitError as error:
        typer.echo(f"realised quality not computed: {error}", err=True)


@app.command()
def monitor(
    data_dir: DataDir,
    config: ConfigPath = Path("training/configs/default.yaml"),
    out: Annotated[Path, typer.Option("--out", help="Folder of the HTML reports.")] = Path(
        "reports/monitor"
    ),
) -> None:
    """Compare a new export with the champion's training export: drift, missing data, labels."""
    with user_errors():
        typer.echo(run_monitor(data_dir, config, out_dir=out).summary())


@app.command()
def staleness(
    data_dir: DataDir,
    config: ConfigPath = Path("training/configs/default.yaml"),
    cutoffs: Annotated[int, typer.Option(min=1, max=10, help="Cut-off years to train at.")] = 3,
) -> None:
    """Train at earlier cut-offs, score each later year: how NDCG@10 falls with model age."""
    with user_errors():
        study, run_id = run_staleness(data_dir, config, cutoffs)
        typer.echo("\n".join([*study.lines(), f"logged to MLflow run {run_id}"]))


def main() -> None:
    """Entry point of ``python -m training``."""
    configure_logging(get_settings().log_level)
    app()
