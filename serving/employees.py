"""Employees' accounts: one sign-in per active civil servant, made by the agency's admin.

An employee signs in with their NIP and a password (argon2, as every user). ``make user
ROLE=employee NIP=...`` makes one account; ``make employee-accounts AGENCY=...`` makes one for
every ACTIVE employee of an agency in the export who has none yet and writes the one-time
passwords to a file readable by its owner only (0600). In production the agency's identity
provider (OIDC) is the extension point: a verified ``nip`` claim maps to the user with that NIP
(see ``docs/employees.md``).
"""

from __future__ import annotations

import csv
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from features.errors import JobfitError
from features.export import Export
from serving.auth import create_user
from serving.tables import users


@dataclass(frozen=True)
class Account:
    """One account made: the user id, the NIP and the one-time password (shown once)."""

    user_id: str
    nip: str
    password: str


def active_employee(export: Export, nip: str) -> pd.Series:
    """The ACTIVE employee with ``nip`` in the export, or JobfitError."""
    staff = export.employees
    rows = staff[(staff["nip"].astype(str) == nip) & (staff["status"] == "ACTIVE")]
    if rows.empty:
        raise JobfitError("no active employee with that NIP in the export")
    return rows.iloc[0]


def create_employee(
    db: sa.Engine, export: Export, nip: str, agency: str | None, password: str
) -> str:
    """An employee account for the active employee ``nip`` (their agency unless told; must
    agree); return the user id.

    The account's name is ``"<name> (<NIP>)"``: user names are unique, people's names are not.
    """
    person = active_employee(export, nip)
    own = str(person["agency_id"])
    if agency is not None and agency != own:
        raise JobfitError(f"the employee with that NIP is not in agency {agency!r}")
    return create_user(db, "employee", own, account_name(person), nip, password)


def account_name(person: pd.Series) -> str:
    """The user name of an employee's account: their name and NIP."""
    return f"{person['name']} ({person['nip']})"


def _has_account(db: sa.Engine) -> set[str]:
    with db.connect() as connection:
        rows = connection.execute(sa.select(users.c.nip).where(users.c.nip.is_not(None)))
        return {str(row.nip) for row in rows}


def create_employee_accounts(db: sa.Engine, export: Export, agency: str) -> list[Account]:
    """Accounts for every ACTIVE employee of ``agency`` without one (NIP order)."""
    staff = export.employees
    staff = staff[(staff["agency_id"].astype(str) == agency) & (staff["status"] == "ACTIVE")]
    if staff.empty:
        raise JobfitError(f"agency {agency!r} has no active employees in the export")
    taken = _has_account(db)
    made = []
    for nip in sorted(set(staff["nip"].astype(str)) - taken):
        password = secrets.token_urlsafe(12)
        made.append(Account(create_employee(db, export, nip, agency, password), nip, password))
    return made


def write_passwords(accounts: list[Account], out: Path) -> Path:
    """Write ``nip,user_id,password`` lines to ``out``, created readable by its owner only."""
    if out.exists():
        raise JobfitError(f"{out} exists already: move it away (it may hold passwords)")
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nip", "user_id", "one_time_password"])
        writer.writerows([a.nip, a.user_id, a.password] for a in accounts)
    return out
