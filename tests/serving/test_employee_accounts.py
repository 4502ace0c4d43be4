"""Employee accounts: the role in the one policy, one account or many, sign-in lands on /me."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from features.errors import ForbiddenError, JobfitError, NotFoundError
from features.export import Export
from serving import policy
from serving.auth import Principal, check_password
from serving.employees import create_employee, create_employee_accounts, write_passwords
from tests.serving.conftest import sign_in
from tests.serving.two_agencies import AGENCY_B, World, serve_two_agencies
from training.bundle import RankerBundle

OWN_NIP, OTHER_NIP = "199001012015011001", "199202022016012002"


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("employees"))


def _employee(nip: str = OWN_NIP, agency: str = "A") -> Principal:
    return Principal(key_id="k", role="employee", agency_id=agency, nip=nip)


@pytest.mark.parametrize(
    ("action", "agency", "owner", "outcome"),
    [
        ("self.read", "A", OWN_NIP, None),
        ("self.write", "A", OWN_NIP, None),
        ("self.read", "A", OTHER_NIP, NotFoundError),
        ("self.write", "A", OTHER_NIP, NotFoundError),
        ("self.read", "A", None, NotFoundError),
        ("self.read", "B", OWN_NIP, NotFoundError),
        ("post.announced", "A", None, None),
        ("post.announced", "B", None, NotFoundError),
        ("candidate.read", "A", OWN_NIP, ForbiddenError),
        ("shortlist.read", "A", None, ForbiddenError),
        ("position.read", "A", None, ForbiddenError),
    ],
)
def test_an_employee_reaches_only_their_own_record(
    action: str, agency: str, owner: str | None, outcome: type[Exception] | None
) -> None:
    if outcome is None:
        policy.authorize(_employee(), action, agency, (), "record", owner)
        return
    with pytest.raises(outcome) as raised:
        policy.authorize(_employee(), action, agency, (), "record", owner)
    if outcome is NotFoundError:
        assert str(raised.value) == policy.MISSING["record"]


def test_a_committee_never_acts_on_an_employees_own_record() -> None:
    committee = Principal(key_id="k", role="committee", agency_id="A", nip=OWN_NIP)
    with pytest.raises(ForbiddenError):
        policy.authorize(committee, "self.read", "A", (), "record", OWN_NIP)


def test_one_account_needs_an_active_employee_of_the_agency(world: World) -> None:
    db = world.client.app.state.db  # type: ignore[attr-defined]
    nip = world.staff(AGENCY_B)
    with pytest.raises(JobfitError, match="not in agency"):
        create_employee(db, world.export, nip, world.agency_a, "pw-123456789")
    with pytest.raises(JobfitError, match="no active employee"):
        create_employee(db, world.export, "1" * 17 + "9", None, "pw-123456789")
    user_id = create_employee(db, world.export, nip, None, "pw-123456789")
    assert check_password(db, nip, "pw-123456789") == user_id


def test_bulk_accounts_write_passwords_readable_by_the_owner_only(
    world: World, tmp_path: Path
) -> None:
    db = world.client.app.state.db  # type: ignore[attr-defined]
    staff = world.export.employees
    active = staff[(staff["agency_id"] == AGENCY_B) & (staff["status"] == "ACTIVE")]
    made = create_employee_accounts(db, world.export, AGENCY_B)
    assert {a.nip for a in made} | {world.staff(AGENCY_B)} == set(active["nip"])
    out = write_passwords(made, tmp_path / "accounts.csv")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(out.read_text().splitlines()) == len(made) + 1
    assert create_employee_accounts(db, world.export, AGENCY_B) == []  # nobody twice
    with pytest.raises(JobfitError, match="exists already"):
        write_passwords(made, out)
    with pytest.raises(JobfitError, match="no active employees"):
        create_employee_accounts(db, world.export, "NO-SUCH-AGENCY")


def test_an_employee_signs_in_to_their_page_and_nothing_of_the_committee(world: World) -> None:
    client = world.client
    db = client.app.state.db  # type: ignore[attr-defined]
    staff = world.export.employees
    nip = str(staff.loc[staff["agency_id"] == world.agency_a, "nip"].iloc[1])
    create_employee(db, world.export, nip, world.agency_a, "kata-sandi-pegawai")
    sign_in(client, user=nip, password="kata-sandi-pegawai")
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/me"
    page = client.get("/me")
    assert page.status_code == 200 and "Halaman Saya" in page.text
    assert client.get("/staffing").status_code == 403
    shortlist = client.post("/shortlists", data={"position_id": world.vacancy(world.agency_a)})
    assert shortlist.status_code == 403
    client.cookies.clear()
