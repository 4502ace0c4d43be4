"""The serving CLI: ``python -m serving COMMAND``. Every make target calls one command."""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from features.errors import JobfitError
from features.loader import load_export
from serving import audit, shortlists
from serving.auth import (
    KEY_DAYS,
    create_api_key,
    create_user,
    issue_key,
    list_keys,
    revoke_key,
    user_principal,
)
from serving.bench import run_bench, run_http_bench
from serving.campaigns.service import run_campaign_cli
from serving.db import make_engine, upgrade
from serving.employees import (
    account_name,
    active_employee,
    create_employee,
    create_employee_accounts,
    write_passwords,
)
from serving.grants import create_grant
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
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes sharing the port.")
    ] = 1,
) -> None:
    """Serve the API and the review page."""
    with user_errors():
        run_server(data_dir, host=host, port=port, workers=workers)


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


Agency = Annotated[str | None, typer.Option(help="The agency (must be in the export).")]
PASSWORD_ENV = "ASN_JOBFIT_PASSWORD"
"""Where ``make user`` reads a chosen password from (else it makes and prints one)."""


def _check_agency(agency: str | None, data_dir: Path) -> None:
    """Refuse an agency the served export (``--data-dir``, DATA_DIR) does not hold."""
    if agency is None:
        return
    export = load_export(data_dir)
    known = set(export.positions["agency_id"].astype(str))
    known |= set(export.employees["agency_id"].astype(str))
    if agency not in known:
        raise JobfitError(f"agency {agency!r} is not in the export at {data_dir}")


@app.command()
def user(
    role: Annotated[str, typer.Option(help="committee, ppk, admin, auditor or employee.")],
    name: Annotated[
        str | None, typer.Option(help="The person's name (an employee's: from the export).")
    ] = None,
    nip: Annotated[str | None, typer.Option(help="The person's 18-digit NIP.")] = None,
    agency: Agency = None,
    data_dir: DataDir = Path("data/demo"),
) -> None:
    """Create a user; the password is read from ASN_JOBFIT_PASSWORD or made and printed once."""
    with user_errors():
        _check_agency(agency, data_dir)
        chosen = os.environ.get(PASSWORD_ENV)
        password = chosen or secrets.token_urlsafe(12)
        if role == "employee":
            if not nip:
                raise JobfitError("an employee user needs NIP=<18 digits>")
            export = load_export(data_dir)
            user_id = create_employee(_database(), export, nip, agency, password)
            name = account_name(active_employee(export, nip))
        elif not name:
            raise JobfitError("NAME is required")
        else:
            user_id = create_user(_database(), role, agency, name, nip, password)
        typer.echo(f"created {role} user {user_id} ({name})")
        if not chosen:
            typer.echo(f"one-time password, shown once:\n{password}")


@app.command(name="employee-accounts")
def employee_accounts(
    agency: Annotated[str, typer.Option(help="The agency whose active employees get accounts.")],
    data_dir: DataDir = Path("data/demo"),
    out: Annotated[
        Path | None, typer.Option(help="Password file (0600); default reports/accounts-AGENCY.csv")
    ] = None,
) -> None:
    """Accounts for an agency's active employees without one; one-time passwords to a file."""
    with user_errors():
        target = out or Path("reports") / f"accounts-{agency}.csv"
        if target.exists():
            raise JobfitError(f"{target} exists already: move it away (it may hold passwords)")
        made = create_employee_accounts(_database(), load_export(data_dir), agency)
        write_passwords(made, target)
        typer.echo(f"created {len(made)} employee accounts; one-time passwords in {target}")


@app.command(name="api-key")
def api_key(
    role: Annotated[str, typer.Option(help="committee, ppk, admin or auditor.")] = "committee",
    agency: Agency = None,
    owner: Annotated[str | None, typer.Option("--user", help="The key's user id.")] = None,
    days: Annotated[int, typer.Option(min=1, max=3650)] = KEY_DAYS,
    data_dir: DataDir = Path("data/demo"),
) -> None:
    """Create an API key (for --user, else for a new service user); printed as the last line."""
    with user_errors():
        db = _database()
        if owner:
            key_id, key = issue_key(db, owner, days)
            whose = f"user {owner}"
        else:
            _check_agency(agency, data_dir)
            key_id, key = create_api_key(db, role, agency, days)
            whose = f"a {role} service user of " + (
                f"agency {agency}" if agency else "every agency"
            )
        typer.echo(f"created key {key_id} for {whose}, valid {days} days; store it now:\n{key}")


@app.command(name="revoke-key")
def revoke(key_id: Annotated[str, typer.Option("--key-id")]) -> None:
    """Revoke an API key at once."""
    with user_errors():
        revoke_key(_database(), key_id)
        typer.echo(f"revoked key {key_id}")


@app.command(name="list-keys")
def keys() -> None:
    """List every API key (id, owner, role, agency, expiry, revoked); never the secrets."""
    with user_errors():
        for row in list_keys(_database()):
            state = "revoked" if row["revoked"] else f"expires {row['expires_at'] or 'never'}"
            typer.echo(
                f"{row['key_id']}  {row['role']:<9} {row['agency_id'] or '*':<16} "
                f"{row['name'] or '-'}  {state}"
            )


@app.command()
def grant(
    by: Annotated[str, typer.Option("--by", help="User id of the granting admin.")],
    from_agency: Annotated[str, typer.Option("--from", help="The pool's agency.")],
    to_agency: Annotated[str, typer.Option("--to", help="The agency it is opened to.")],
    reason: Annotated[str, typer.Option(help="Why (the inter-agency move, its letter).")],
    days: Annotated[int, typer.Option(min=1, max=365)] = 30,
    data_dir: DataDir = Path("data/demo"),
) -> None:
    """Open one agency's pool to another for DAYS days (audited; PP 11/2017 Pasal 190)."""
    with user_errors():
        _check_agency(from_agency, data_dir)
        _check_agency(to_agency, data_dir)
        db = _database()
        made = create_grant(db, user_principal(db, by), from_agency, to_agency, reason, days)
        typer.echo(f"grant {made['grant_id']} valid until {made['valid_until']}")


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
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures to this JSON file.")
    ] = None,
) -> None:
    """Score the champion's served top-k of every open vacancy against a held-back truth."""
    with user_errors():
        result = evaluate_holdout(data_dir, truth, k=k)
        typer.echo(result.summary())
        if json_out is not None:
            json_out.write_text(json.dumps(result.figures(), indent=2) + "\n")


@app.command()
def bench(
    http_only: Annotated[
        bool, typer.Option("--http-only", help="Only requests/s with 1 and 2 workers.")
    ] = False,
) -> None:
    """Benchmark features, rules, shortlists and plain predict; print medians and ratios."""
    with user_errors():
        run_http_bench() if http_only else run_bench()


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
