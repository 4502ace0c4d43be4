"""The audit log catches tampering: each case on a COPY of a real service database.

The service makes shortlists, decisions and reads; the database file is copied (SQLite backup),
with its key and checkpoint files, and changed with raw SQL as an attacker with write access
to the database would. ``python -m serving audit-verify`` must name the case and exit 1.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from serving import audit
from serving import shortlists as shortlists_service
from serving.auth import Principal
from serving.cli import app as cli
from serving.db import make_engine, upgrade
from serving.settings import ServiceSettings, get_service_settings
from serving.tables import PACKED, audit_log, decisions, shortlists
from tests.serving.conftest import Keys

LAST = "(select max(entry_id) from audit_log)"
READS = 60
"""Reads of one list: more audit entries than the 50 removed from the tail below."""


@pytest.fixture(scope="module")
def served(service: tuple[TestClient, Keys], vacancy: str) -> Path:
    """The service's database after two lists, a declaration, two decisions and ``READS``
    reads; its path."""
    client, keys = service
    committee = keys.header("committee")
    made = [
        client.post("/v1/shortlists", json={"position_id": vacancy, "k": 3}, headers=committee)
        for _ in range(2)
    ]
    assert all(response.status_code == 201 for response in made)
    first = made[0].json()
    declared = client.post(
        f"/v1/shortlists/{first['shortlist_id']}/declarations",
        json={"kind": "none"},
        headers=committee,
    )
    assert declared.status_code == 201, declared.text
    for candidate in first["candidates"][:2]:
        decided = client.post(
            f"/v1/shortlists/{first['shortlist_id']}/decisions",
            json={
                "nip": candidate["nip"],
                "decision": "SHORTLISTED",
                "reason": "memenuhi syarat",
            },
            headers=committee,
        )
        assert decided.status_code == 201, decided.text
    for _ in range(READS):
        read = client.get(f"/v1/shortlists/{first['shortlist_id']}", headers=committee)
        assert read.status_code == 200
    url = sa.make_url(client.app.state.settings.database_url)  # type: ignore[attr-defined]
    return Path(url.database or "")


def _copy(database: Path, target: Path) -> Path:
    """A consistent copy of a SQLite database (the backup API) with its key and checkpoints."""
    with sqlite3.connect(database) as source, sqlite3.connect(target) as destination:
        source.backup(destination)
    for suffix in (".audit-key", ".audit-checkpoints"):
        shutil.copy(f"{database}{suffix}", f"{target}{suffix}")
    return target


@pytest.fixture
def copy(served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the database with its key and checkpoints; the CLI pointed at it."""
    target = _copy(served, tmp_path / "copy.db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{target}")
    get_service_settings.cache_clear()
    yield target
    get_service_settings.cache_clear()


def _sql(database: Path, *statements: str) -> None:
    with sqlite3.connect(database) as connection:
        for statement in statements:
            connection.execute(statement)


def _verify() -> Result:
    return CliRunner().invoke(cli, ["audit-verify"])


def test_an_untouched_copy_verifies(copy: Path) -> None:
    result = _verify()
    assert result.exit_code == 0, result.output
    assert "audit log intact" in result.output


def _rewrite_shortlist(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        shortlist_id, body = connection.execute(
            "select shortlist_id, response_json from shortlists order by created_at limit 1"
        ).fetchone()
        response = json.loads(zlib.decompress(base64.b64decode(body.removeprefix(PACKED))))
        response["candidates"].reverse()  # written back as plain JSON, which reads as is
        connection.execute(
            "update shortlists set response_json = ? where shortlist_id = ?",
            (json.dumps(response), shortlist_id),
        )


def _reorder(database: Path) -> None:
    _sql(
        database,
        "update audit_log set entry_id = -1 where entry_id = 3",
        "update audit_log set entry_id = 3 where entry_id = 4",
        "update audit_log set entry_id = 4 where entry_id = -1",
    )


def _recompute_covered_hash(database: Path) -> None:
    """Change a decision and put its new (unkeyed) hash into the entry that covers it."""
    _sql(database, "update decisions set reason = 'diubah' where decision_id = 1")
    db = make_engine(f"sqlite:///{database}")
    with db.connect() as connection:
        forged = audit.content_hash(connection, ("decisions", 1))
    db.dispose()
    _sql(
        database,
        f"update audit_log set content_hash = '{forged}' "
        "where content_table = 'decisions' and content_id = '1'",
    )


def _wrong_key(database: Path) -> None:
    Path(f"{database}.audit-key").write_text("ab" * 32 + "\n")


TAMPERING: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "entry content changed": (
        lambda db: _sql(db, "update audit_log set detail_json = '{}' where entry_id = 2"),
        "entry_changed",
        "entry 2 was changed after it was written",
    ),
    "entry removed": (
        lambda db: _sql(db, "delete from audit_log where entry_id = 5"),
        "entry_removed",
        "entry 6 does not follow entry 4",
    ),
    "entries reordered": (_reorder, "entry_removed", "entry 3 does not follow entry 2"),
    "last entry removed": (
        lambda db: _sql(db, f"delete from audit_log where entry_id = {LAST}"),
        "tail_truncated",
        "the newest entries were removed",
    ),
    "last 50 entries removed": (
        lambda db: _sql(db, f"delete from audit_log where entry_id > {LAST} - 50"),
        "tail_truncated",
        "the newest entries were removed",
    ),
    "decision changed": (
        lambda db: _sql(db, "update decisions set decision = 'SELECTED' where decision_id = 1"),
        "decision_changed",
        "decision 1 was changed after audit entry",
    ),
    "decision deleted": (
        lambda db: _sql(db, "delete from decisions where decision_id = 2"),
        "decision_deleted",
        "decision 2 was deleted",
    ),
    "decision inserted": (
        lambda db: _sql(
            db,
            "insert into decisions (shortlist_id, nip, decision, reason, divergent, reviewer,"
            " key_id, decided_at) select shortlist_id, nip, 'SELECTED', 'x', 0, 'x', key_id,"
            " decided_at from decisions where decision_id = 1",
        ),
        "decision_unaudited",
        "decision 3 is in no audit entry",
    ),
    "shortlist JSON rewritten": (
        _rewrite_shortlist,
        "shortlist_changed",
        "was changed after audit entry",
    ),
    "covered hash recomputed": (
        _recompute_covered_hash,
        "entry_changed",
        "was changed after it was written",
    ),
    "wrong key": (_wrong_key, "wrong_key", "it is the wrong key"),
    "checkpoints deleted": (
        lambda db: Path(f"{db}.audit-checkpoints").unlink(),
        "no_checkpoints",
        "a removed tail cannot be checked",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_audit_verify_reports_tampering(copy: Path, case: str) -> None:
    tamper, code, words = TAMPERING[case]
    tamper(copy)
    result = _verify()
    assert result.exit_code == 1, result.output
    assert f"TAMPERED {code}:" in result.output and words in result.output, result.output
    assert "NOT intact" in result.output.splitlines()[-1]


def test_verification_without_the_key_fails_clearly(copy: Path) -> None:
    Path(f"{copy}.audit-key").unlink()
    result = _verify()
    assert result.exit_code == 2
    assert "no audit key at" in result.output
    assert not Path(f"{copy}.audit-key").exists()  # verifying never makes a key


def test_the_key_is_made_owner_only(served: Path) -> None:
    mode = stat.S_IMODE(os.stat(f"{served}.audit-key").st_mode)
    assert mode == 0o600


def test_every_committed_entry_is_checkpointed(served: Path) -> None:
    checkpoints = audit.read_checkpoints(Path(f"{served}.audit-checkpoints"))
    with sqlite3.connect(served) as connection:
        last, count = connection.execute("select max(entry_id), count(*) from audit_log").fetchone()
    latest = max(checkpoints, key=lambda c: c.count)
    assert (latest.entry_id, latest.count) == (last, count)


def test_a_read_stores_a_small_entry_and_a_list_is_stored_packed(served: Path) -> None:
    """Bytes per read (the audit row) and per stored list, against the list's JSON."""
    with sqlite3.connect(served) as connection:
        reads = connection.execute(
            "select * from audit_log where action = 'shortlist.read'"
        ).fetchall()
        stored, shortlist_id = connection.execute(
            "select length(response_json), shortlist_id from shortlists order by created_at limit 1"
        ).fetchone()
    db = make_engine(f"sqlite:///{served}")
    with db.connect() as connection:
        text = connection.execute(
            sa.text("select response_json from shortlists where shortlist_id = :i"),
            {"i": shortlist_id},
        ).scalar_one()
        body = connection.execute(
            sa.select(shortlists.c.response_json).where(shortlists.c.shortlist_id == shortlist_id)
        ).scalar_one()
    db.dispose()
    read_bytes = sum(len(str(value)) for row in reads for value in row if value) / len(reads)
    print(f"per read: {read_bytes:.0f} bytes; per list: {stored} bytes stored, JSON {len(body)}")
    assert text.startswith(PACKED) and json.loads(body)["shortlist_id"] == shortlist_id
    assert read_bytes < 600
    assert stored * 3 < len(body)


def _undecided(database: Path) -> str:
    """The id of the list nobody decided on."""
    with sqlite3.connect(database) as connection:
        (shortlist_id,) = connection.execute(
            "select shortlist_id from shortlists s where not exists "
            "(select 1 from decisions d where d.shortlist_id = s.shortlist_id)"
        ).fetchone()
    return shortlist_id


def test_purge_removes_old_undecided_lists_and_the_log_stays_verifiable(copy: Path) -> None:
    old = _undecided(copy)
    _sql(
        copy,
        "update shortlists set created_at = datetime('now', '-100 days') "
        f"where shortlist_id = '{old}'",
    )
    purged = CliRunner().invoke(cli, ["purge"])
    assert purged.exit_code == 0, purged.output
    assert "purged 1 shortlists older than 90 days" in purged.output
    result = _verify()
    assert result.exit_code == 0, result.output
    assert "(1 shortlists purged by retention)" in result.output
    with sqlite3.connect(copy) as connection:
        assert connection.execute("select count(*) from shortlists").fetchone() == (1,)
        assert connection.execute(
            "select content_hash is null, action from audit_log where content_id = ? "
            "order by entry_id desc limit 1",
            (old,),
        ).fetchone() == (1, "shortlist.purge")


def test_purge_spares_lists_with_decisions(copy: Path) -> None:
    undecided = _undecided(copy)
    db = make_engine(f"sqlite:///{copy}")
    audit.install(db, get_service_settings())
    assert shortlists_service.purge(db, datetime.now(UTC) + timedelta(days=1)) == [undecided]
    db.dispose()
    with sqlite3.connect(copy) as connection:
        assert connection.execute("select count(*) from decisions").fetchone() == (2,)
        assert connection.execute("select count(*) from shortlists").fetchone() == (1,)


def test_a_deleted_list_without_a_purge_entry_is_reported(copy: Path) -> None:
    _sql(copy, f"delete from shortlists where shortlist_id = '{_undecided(copy)}'")
    result = _verify()
    assert result.exit_code == 1
    assert "TAMPERED shortlist_deleted:" in result.output


@pytest.mark.postgres
def test_sealing_and_verification_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """Timestamps come back aware on PostgreSQL: the covered hashes must still match."""
    settings = ServiceSettings(
        database_url=postgres_url,
        audit_key_file=tmp_path / "key",
        audit_checkpoint_file=tmp_path / "checkpoints",
    )
    db = make_engine(postgres_url)
    upgrade(db)
    audit.install(db, settings)
    who = Principal(key_id="k1", role="committee", agency_id="AG1")
    now = datetime.now(UTC)
    with db.begin() as connection:
        connection.execute(
            shortlists.insert().values(
                shortlist_id="s1",
                created_at=now,
                created_by="k1",
                agency_id="AG1",
                position_id="P1",
                model_name="m",
                model_version="1",
                ruleset_version="r",
                data_hash="d",
                as_of=now.date(),
                request_json="{}",
                response_json='{"a": 1}',
            )
        )
        audit.append(connection, who, "shortlist.create", "s1", {})
        decision_id = connection.execute(
            decisions.insert().values(
                shortlist_id="s1",
                nip="1" * 18,
                decision="SHORTLISTED",
                reason="r",
                divergent=False,
                reviewer="Ketua",
                key_id="k1",
                decided_at=now,
            )
        ).inserted_primary_key[0]
        audit.append(connection, who, "decision.record", "s1", {"decision_id": decision_id})
    assert audit.verify(db).ok, audit.verify(db).lines()
    with db.begin() as connection:
        connection.execute(sa.text("update decisions set reason = 'lain'"))
    changed = {finding.code for finding in audit.verify(db).findings}
    with db.begin() as connection:
        connection.execute(sa.text("delete from audit_log where seq = 2"))
    truncated = {finding.code for finding in audit.verify(db).findings}
    db.dispose()
    assert changed == {"decision_changed"}
    assert truncated == {"tail_truncated", "decision_unaudited"}


def _legacy_entry(connection: sa.Connection, prev_hash: str, subject: str) -> str:
    """An entry as the service wrote them before the key: a plain SHA-256 chain."""
    fields = {
        "at": "2026-01-01T00:00:00+00:00",
        "key_id": "k1",
        "role": "admin",
        "agency_id": None,
        "action": "model.reload",
        "subject": subject,
        "detail_json": "{}",
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    entry_hash = hashlib.sha256((prev_hash + canonical).encode()).hexdigest()
    connection.execute(
        audit_log.insert().values(**fields, prev_hash=prev_hash, entry_hash=entry_hash)
    )
    return entry_hash


def test_entries_from_before_the_key_are_accepted_only_as_a_prefix(tmp_path: Path) -> None:
    settings = ServiceSettings(database_url=f"sqlite:///{tmp_path / 'old.db'}")
    db = make_engine(settings.database_url)
    upgrade(db)
    audit.install(db, settings)
    who = Principal(key_id="k1", role="admin", agency_id=None)
    with db.begin() as connection:
        head = _legacy_entry(connection, audit.GENESIS, "first")
        head = _legacy_entry(connection, head, "second")
        audit.append(connection, who, "model.reload", "sealed", {})
    before = audit.verify(db)
    with db.begin() as connection:
        sealed = connection.execute(sa.select(audit_log).where(audit_log.c.seq == 3)).one()
        _legacy_entry(connection, sealed.entry_hash, "forged")
    after = audit.verify(db)
    db.dispose()
    assert before.ok, before.lines()
    assert [f.message for f in after.findings][:1] == ["entry 4 was changed after it was written"]


def test_concurrent_reads_keep_one_chain(served: Path, tmp_path: Path) -> None:
    """Reads append without writing anything before: the head is read under the write lock."""
    database = _copy(served, tmp_path / "concurrent.db")
    settings = ServiceSettings(database_url=f"sqlite:///{database}")
    db = make_engine(settings.database_url)
    audit.install(db, settings)
    who = Principal(key_id="k1", role="auditor", agency_id=None)
    shortlist_id = _undecided(database)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: shortlists_service.read(db, who, shortlist_id), range(80)))
    result = audit.verify(db)
    db.dispose()
    assert result.ok, result.lines()
    assert result.entries == 2 + 1 + 2 + READS + 80  # lists, declaration, decisions, reads
