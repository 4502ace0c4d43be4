"""A service over an export of two agencies, with a user and a key for each role of each.

Agency A keeps the small export's agency; the units BKPSDM, BPKAD and SETDA become agency B
(their staff and positions with them), so each agency has its own vacancies and staff.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from features.export import Export
from serving.app import create_app
from serving.auth import create_user, issue_key
from serving.engine import Engine
from tests.serving.conftest import service_settings
from training.bundle import RankerBundle

AGENCY_B = "PEMKAB-B"
B_UNITS = ("BKPSDM", "BPKAD", "SETDA")
PASSWORD = "kata-sandi-uji-123"
ROLES_OF_A = ("committee", "ppk", "admin", "auditor")


@dataclass(frozen=True)
class Person:
    """A test user: name (to sign in), NIP, key, role, agency."""

    name: str
    nip: str
    key: str
    role: str
    agency: str | None

    @property
    def header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass(frozen=True)
class World:
    """The two-agency service: its client, export, agencies and people."""

    client: TestClient
    export: Export
    agency_a: str
    people: dict[str, Person]

    def vacancy(self, agency: str) -> str:
        """A vacant managerial position of ``agency``."""
        return self.vacancies(agency)[0]

    def vacancies(self, agency: str) -> list[str]:
        """The vacant managerial positions of ``agency``."""
        p = self.export.positions
        chosen = p["is_vacant"] & (p["agency_id"] == agency)
        chosen &= p["position_type"].isin(["PENGAWAS", "ADMINISTRATOR"])
        return [str(position) for position in p.loc[chosen, "position_id"]]

    def staff(self, agency: str) -> str:
        """An active employee's NIP of ``agency``."""
        e = self.export.employees
        return str(e.loc[(e["agency_id"] == agency) & (e["status"] == "ACTIVE"), "nip"].iloc[0])


def two_agencies(export: Export) -> tuple[Export, str]:
    """``export`` split in two agencies; return it and agency A."""
    agency_a = str(export.positions["agency_id"].iloc[0])

    def split(frame: pd.DataFrame) -> pd.DataFrame:
        moved = frame["unit_id"].astype(str).str.endswith(B_UNITS)
        return frame.assign(agency_id=frame["agency_id"].where(~moved, AGENCY_B))

    calendar = export.election_calendar
    calendar = pd.concat([calendar, calendar.assign(agency_id=AGENCY_B)], ignore_index=True)
    split_export = replace(
        export,
        employees=split(export.employees),
        positions=split(export.positions),
        staffing_needs=split(export.staffing_needs),
        election_calendar=calendar,
    )
    return split_export, agency_a


def person(
    client: TestClient, role: str, agency: str | None, name: str, nip: str, days: int = 30
) -> Person:
    """A user with a password (:data:`PASSWORD`) and a key."""
    db = client.app.state.db  # type: ignore[attr-defined]
    user_id = create_user(db, role, agency, name, nip, PASSWORD)
    return Person(name, nip, issue_key(db, user_id, days)[1], role, agency)


def serve_two_agencies(export: Export, bundle: RankerBundle, folder: Path) -> Iterator[World]:
    """The two-agency service with people: each role in A, a committee in B, a service admin."""
    split_export, agency_a = two_agencies(export)
    settings = service_settings(folder)
    app = create_app(settings, engine=Engine.build(split_export, bundle, settings))
    with TestClient(app) as client:
        people = {
            role: person(client, role, None if role == "auditor" else agency_a, f"{role} A", nip)
            for role, nip in zip(ROLES_OF_A, ("1" * 18, "2" * 18, "3" * 18, "4" * 18), strict=True)
        }
        people["committee_b"] = person(client, "committee", AGENCY_B, "committee B", "5" * 18)
        people["admin_b"] = person(client, "admin", AGENCY_B, "admin B", "6" * 18)
        people["service_admin"] = person(client, "admin", None, "service admin", "7" * 18)
        people["panel"] = person(client, "panel", agency_a, "panel A", "8" * 18)
        yield World(client, split_export, agency_a, people)
