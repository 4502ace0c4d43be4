"""The tamper-evident audit log.

Every entry is sealed with HMAC-SHA256 under a server key kept outside the database. The seal
covers the entry's fields, the seal of the entry before it (a chain), and a SHA-256 hash of the
row the entry is about (a decision, a stored shortlist, a campaign), so changing or deleting
that row shows too. Checkpoints of the chain head are appended to a file outside the database,
so removing the newest entries shows as well. :func:`verify` reports every finding.

A service engine is prepared once with :func:`install` (key, checkpoint file); :func:`append`
then seals entries inside the caller's transaction, and the engine writes a checkpoint line
after a transaction that appended entries commits (every ``audit_checkpoint_every`` entries).
Entries written before the key existed (``seq`` NULL: plain SHA-256 chain) are accepted only
as a prefix of the log. See docs/audit.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from features.errors import JobfitError
from serving.auth import Principal
from serving.settings import ServiceSettings
from serving.tables import audit_log, metadata

logger = logging.getLogger(__name__)

GENESIS = "0" * 64
KEY_BYTES = 32
Row = tuple[str, str | int]
"""A row an entry is about: its table's name and its primary key."""

_SETUP = "asn_jobfit_audit"
_PENDING = "asn_jobfit_audit_pending"
_COMMITTED = "asn_jobfit_audit_committed"
_NOUNS = {"decisions": "decision", "shortlists": "shortlist", "campaigns": "campaign"}
_COVERED_BY_ACTION = {
    "shortlist.create": lambda subject, _detail: ("shortlists", subject),
    "shortlist.read": lambda subject, _detail: ("shortlists", subject),
    "campaign.create": lambda subject, _detail: ("campaigns", subject),
    "decision.record": lambda _subject, detail: ("decisions", detail["decision_id"]),
}
"""The row an action is about when the caller names none (``covers=``)."""
AUDITED_TABLES = ("shortlists", "decisions", "campaigns")
"""Tables whose every row must be vouched for by an entry (plus any table an entry names)."""
_LEGACY_FIELDS = ("at", "key_id", "role", "agency_id", "action", "subject", "detail_json")
_SEALED_FIELDS = (
    *_LEGACY_FIELDS,
    "user_id",
    "seq",
    "content_table",
    "content_id",
    "content_hash",
)


class AuditKeyError(JobfitError):
    """The audit key file is missing or unreadable (verification cannot run without it)."""


@dataclass
class AuditSetup:
    """What sealing and checkpointing need: the key, the checkpoint file and its period."""

    key: bytes
    key_file: Path
    checkpoints: Path
    every: int
    last_checkpoint: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def fingerprint(self) -> str:
        """A short public name of the key (written in checkpoints; reveals nothing of it)."""
        return hmac.new(self.key, b"asn-jobfit audit key", hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Checkpoint:
    """One line of the checkpoint file: the chain head at a moment."""

    at: str
    entry_id: int
    head: str
    count: int
    key: str

    def line(self) -> str:
        return (
            f"{self.at} entry={self.entry_id} head={self.head} count={self.count} key={self.key}\n"
        )

    @classmethod
    def parse(cls, line: str) -> Checkpoint:
        at, *pairs = line.split()
        values = dict(pair.split("=", 1) for pair in pairs)
        return cls(at, int(values["entry"]), values["head"], int(values["count"]), values["key"])


@dataclass(frozen=True)
class Finding:
    """One thing verification found wrong: a code (for tests and tools) and a sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class Verification:
    """The outcome of :func:`verify`."""

    entries: int
    findings: tuple[Finding, ...]
    purged: int

    @property
    def ok(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        """What ``make audit-verify`` prints: one line per finding, then a summary."""
        if self.ok:
            return [
                f"audit log intact: {self.entries} entries, every covered row unchanged "
                f"({self.purged} shortlists purged by retention)"
            ]
        return [f"TAMPERED {f.code}: {f.message}" for f in self.findings] + [
            f"audit log NOT intact: {len(self.findings)} findings over {self.entries} entries"
        ]


def key_file(settings: ServiceSettings) -> Path:
    """The key's file: the setting, else beside a SQLite database, else ``var/audit.key``."""
    return settings.audit_key_file or _beside_database(settings, ".audit-key", "audit.key")


def checkpoint_file(settings: ServiceSettings) -> Path:
    """The checkpoint file: the setting, else beside a SQLite database, else under ``var/``."""
    return settings.audit_checkpoint_file or _beside_database(
        settings, ".audit-checkpoints", "audit-checkpoints.log"
    )


def _beside_database(settings: ServiceSettings, suffix: str, name: str) -> Path:
    url = sa.make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database + suffix)  # type: ignore[operator]
    return Path("var") / name


def load_key(path: Path, *, create: bool) -> bytes:
    """Read the key; with ``create``, make a new random one (mode 0600) when there is none."""
    if create and not path.exists():
        _create_key(path)
    try:
        key = bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        raise AuditKeyError(
            f"no audit key at {path}: set ASN_JOBFIT_AUDIT_KEY_FILE to the service's key file"
        ) from None
    except (OSError, ValueError) as error:
        raise AuditKeyError(f"the audit key at {path} is unreadable: {error}") from None
    if path.stat().st_mode & 0o077:
        logger.warning("the audit key at %s is readable by others: make it mode 0600", path)
    if len(key) < KEY_BYTES:
        raise AuditKeyError(f"the audit key at {path} is shorter than {KEY_BYTES} bytes")
    return key


def _create_key(path: Path) -> None:
    """Write a new key to ``path`` unless another process does first (workers start at once).

    The key is written whole to a private file, then linked into place: a process never reads
    a half-written key, and the first link wins.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(KEY_BYTES) + "\n")
    try:
        os.link(partial, path)
        logger.info("created a new audit key file at %s", path)
    except FileExistsError:
        pass
    finally:
        partial.unlink()


def install(db: sa.Engine, settings: ServiceSettings, *, create_key: bool = True) -> AuditSetup:
    """Prepare ``db`` for sealing: load (or create) the key, checkpoint after commits."""
    checkpoints = checkpoint_file(settings)
    setup = AuditSetup(
        key=load_key(key_file(settings), create=create_key),
        key_file=key_file(settings),
        checkpoints=checkpoints,
        every=settings.audit_checkpoint_every,
        last_checkpoint=max((c.entry_id for c in read_checkpoints(checkpoints)), default=0),
    )
    sa.event.listen(db, "engine_connect", lambda connection: _attach(connection, setup))
    sa.event.listen(db, "commit", _committing)
    sa.event.listen(db, "rollback", _rolled_back)
    sa.event.listen(db.pool, "checkin", lambda _dbapi, record: _checked_in(record, setup))
    return setup


def _attach(connection: sa.Connection, setup: AuditSetup) -> None:
    connection.info[_SETUP] = setup


def _committing(connection: sa.Connection) -> None:
    if _PENDING in connection.info:
        connection.info[_COMMITTED] = connection.info.pop(_PENDING)


def _rolled_back(connection: sa.Connection) -> None:
    connection.info.pop(_PENDING, None)
    connection.info.pop(_COMMITTED, None)


def _checked_in(record: Any, setup: AuditSetup) -> None:
    head = record.info.pop(_COMMITTED, None) if record is not None else None
    if head is not None and head.entry_id - setup.last_checkpoint >= setup.every:
        _write_checkpoint(setup, head)


def _setup(connection: sa.Connection) -> AuditSetup:
    try:
        return connection.info[_SETUP]
    except KeyError:
        raise RuntimeError("this engine has no audit key: call serving.audit.install") from None


def append(
    connection: sa.Connection,
    who: Principal,
    action: str,
    subject: str,
    detail: dict[str, Any],
    *,
    covers: Row | None = None,
    removes: Row | None = None,
) -> None:
    """Append one sealed entry inside the caller's transaction (it commits with the action).

    ``covers`` names the row the entry vouches for (its hash is sealed in); the known actions
    name theirs by default. ``removes`` records that a row was deleted on purpose (retention),
    so that verification expects it gone.
    """
    setup = _setup(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
    elif connection.dialect.name == "sqlite":  # a no-op write takes the write lock first
        connection.execute(sa.text("UPDATE audit_log SET seq = seq WHERE 0"))
    last = connection.execute(
        sa.select(audit_log.c.entry_hash, audit_log.c.seq)
        .order_by(audit_log.c.entry_id.desc())
        .limit(1)
    ).one_or_none()
    row = removes or covers or _default_covers(action, subject, detail)
    content = None if row is None or removes else content_hash(connection, row)
    if row is not None and removes is None and content is None:
        raise ValueError(f"audit entry {action!r} covers {row}, which does not exist")
    fields = {
        "at": datetime.now(UTC).isoformat(),
        "key_id": who.key_id,
        "role": who.role,
        "agency_id": who.agency_id,
        "action": action,
        "subject": subject,
        "detail_json": json.dumps(detail, sort_keys=True),
        "user_id": who.user_id,
        "seq": _next_seq(connection, last),
        "content_table": row[0] if row else None,
        "content_id": str(row[1]) if row else None,
        "content_hash": content,
    }
    prev_hash = last.entry_hash if last else GENESIS
    entry_hash = _seal(setup.key, prev_hash, fields)
    result = connection.execute(
        audit_log.insert().values(**fields, prev_hash=prev_hash, entry_hash=entry_hash)
    )
    connection.info[_PENDING] = Checkpoint(
        fields["at"], result.inserted_primary_key[0], entry_hash, fields["seq"], setup.fingerprint
    )


def _default_covers(action: str, subject: str, detail: dict[str, Any]) -> Row | None:
    rule = _COVERED_BY_ACTION.get(action)
    return rule(subject, detail) if rule else None


def _next_seq(connection: sa.Connection, last: Any) -> int:
    if last is None:
        return 1
    if last.seq is not None:
        return last.seq + 1
    return connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one() + 1


def content_hash(connection: sa.Connection, row: Row) -> str | None:
    """SHA-256 of a row's canonical fields (NULL columns left out); ``None`` when it is gone."""
    table = metadata.tables[row[0]]
    (key,) = table.primary_key.columns
    values = (
        connection.execute(sa.select(table).where(key == key.type.python_type(row[1])))
        .mappings()
        .one_or_none()
    )
    if values is None:
        return None
    canonical = {name: _plain(value) for name, value in values.items() if value is not None}
    text = json.dumps(
        canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _seal(key: bytes, prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(
        {name: fields[name] for name in _SEALED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hmac.new(key, (prev_hash + "\n" + canonical).encode(), hashlib.sha256).hexdigest()


def _legacy_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(
        {name: fields[name] for name in _LEGACY_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint line of ``path`` (none when there is no file)."""
    if not path.exists():
        return []
    return [Checkpoint.parse(line) for line in path.read_text().splitlines() if line.strip()]


def checkpoint(db: sa.Engine) -> None:
    """Write a checkpoint of the head now unless the last one already names it (start, stop)."""
    with db.connect() as connection:
        setup = _setup(connection)
        head = connection.execute(
            sa.select(audit_log.c.entry_id, audit_log.c.entry_hash, audit_log.c.seq)
            .order_by(audit_log.c.entry_id.desc())
            .limit(1)
        ).one_or_none()
        count = connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
    if head is not None and head.entry_id != setup.last_checkpoint:
        at = datetime.now(UTC).isoformat()
        head_now = Checkpoint(at, head.entry_id, head.entry_hash, count, setup.fingerprint)
        _write_checkpoint(setup, head_now)


def _write_checkpoint(setup: AuditSetup, head: Checkpoint) -> None:
    with setup.lock:
        setup.checkpoints.parent.mkdir(parents=True, exist_ok=True)
        with setup.checkpoints.open("a") as file:
            file.write(head.line())
        setup.last_checkpoint = max(setup.last_checkpoint, head.entry_id)


def verify(db: sa.Engine) -> Verification:
    """Check the seals, the chain, the covered rows and the checkpoints; list every finding."""
    with db.connect() as connection:
        setup = _setup(connection)
        walk = _Walk(setup.key)
        for row in connection.execute(sa.select(audit_log).order_by(audit_log.c.entry_id)):
            walk.step(row)
        findings = walk.chain_findings(setup)
        findings += list(_content_findings(connection, walk))
        findings += list(_unaudited_findings(connection, walk))
    findings += _checkpoint_findings(setup, walk)
    return Verification(walk.count, tuple(findings), len(walk.removed))


@dataclass
class _Walk:
    """The chain walked once, oldest entry first."""

    key: bytes
    count: int = 0
    prev_hash: str = GENESIS
    prev_id: int | None = None
    sealed: int = 0
    sealed_valid: int = 0
    broken: list[Finding] = field(default_factory=list)
    changed: list[Finding] = field(default_factory=list)
    covered: dict[Row, list[tuple[int, str]]] = field(default_factory=dict)
    removed: dict[Row, int] = field(default_factory=dict)
    mentioned: set[Row] = field(default_factory=set)
    heads: dict[int, tuple[str, int]] = field(default_factory=dict)

    def step(self, row: Any) -> None:
        self.count += 1
        fields = {name: getattr(row, name) for name in _SEALED_FIELDS}
        if row.seq is None:
            valid = _legacy_hash(row.prev_hash, fields) == row.entry_hash
            if self.sealed:
                valid = False  # an unsealed entry after sealed ones is a forgery
        else:
            self.sealed += 1
            valid = _seal(self.key, row.prev_hash, fields) == row.entry_hash
            self.sealed_valid += valid
        if row.prev_hash != self.prev_hash:
            after = f"entry {self.prev_id}" if self.prev_id else "the start of the log"
            self.broken.append(
                Finding(
                    "entry_removed",
                    f"entry {row.entry_id} does not follow {after}: entries between them "
                    "were removed or reordered",
                )
            )
        if not valid:
            self.changed.append(
                Finding("entry_changed", f"entry {row.entry_id} was changed after it was written")
            )
        self.prev_hash, self.prev_id = row.entry_hash, row.entry_id
        self.heads[row.entry_id] = (row.entry_hash, self.count)
        if row.content_table is None:
            self._mention_legacy(row)
        else:
            target = (row.content_table, row.content_id)
            self.mentioned.add(target)
            if row.content_hash is None:
                self.removed[target] = row.entry_id
            else:
                self.covered.setdefault(target, []).append((row.entry_id, row.content_hash))

    def _mention_legacy(self, row: Any) -> None:
        """A row an entry without a content hash names (written before content was sealed)."""
        rule = _COVERED_BY_ACTION.get(row.action)
        if rule is not None:
            table, key = rule(row.subject, json.loads(row.detail_json))
            self.mentioned.add((table, str(key)))

    def chain_findings(self, setup: AuditSetup) -> list[Finding]:
        if self.sealed and not self.sealed_valid:
            return [
                Finding(
                    "wrong_key",
                    f"no sealed entry matches the audit key at {setup.key_file}: it is the "
                    "wrong key (or every entry was rewritten)",
                )
            ]
        return self.broken + self.changed


def _content_findings(connection: sa.Connection, walk: _Walk) -> Iterator[Finding]:
    for target, entries in walk.covered.items():
        table, key = target
        noun = _NOUNS.get(table, table)
        current = content_hash(connection, (table, key))
        if current is None and target in walk.removed:
            continue
        if current is None:
            yield Finding(
                f"{noun}_deleted",
                f"{noun} {key} was deleted (audit entry {entries[0][0]} vouches for it)",
            )
            continue
        for entry_id, sealed in entries:
            if sealed != current:
                yield Finding(
                    f"{noun}_changed",
                    f"{noun} {key} was changed after audit entry {entry_id} vouched for it",
                )
                break


def _unaudited_findings(connection: sa.Connection, walk: _Walk) -> Iterator[Finding]:
    """Rows no entry names: written to the database around the service."""
    tables = dict.fromkeys([*AUDITED_TABLES, *(table for table, _key in walk.mentioned)])
    for name in tables:
        table = metadata.tables[name]
        (key,) = table.primary_key.columns
        noun = _NOUNS.get(name, name)
        for value in connection.execute(sa.select(key).order_by(key)).scalars():
            if (name, str(value)) not in walk.mentioned:
                yield Finding(
                    f"{noun}_unaudited",
                    f"{noun} {value} is in no audit entry (written around the service)",
                )


def _checkpoint_findings(setup: AuditSetup, walk: _Walk) -> list[Finding]:
    checkpoints = read_checkpoints(setup.checkpoints)
    if not checkpoints:
        if walk.count:
            return [
                Finding(
                    "no_checkpoints",
                    f"no checkpoints at {setup.checkpoints}: a removed tail cannot be checked",
                )
            ]
        return []
    latest = max(checkpoints, key=lambda c: (c.count, c.entry_id))
    if latest.key != setup.fingerprint:
        return [
            Finding(
                "wrong_key",
                f"the checkpoints were written under another audit key than {setup.key_file}",
            )
        ]
    found = walk.heads.get(latest.entry_id)
    if found is None:
        return [
            Finding(
                "tail_truncated",
                f"the log ends at entry {walk.prev_id} ({walk.count} entries) but the checkpoint "
                f"of {latest.at} names entry {latest.entry_id} ({latest.count} entries): the "
                "newest entries were removed",
            )
        ]
    if found[0] != latest.head:
        return [
            Finding(
                "tail_truncated",
                f"entry {latest.entry_id} is not the one the checkpoint of {latest.at} names: "
                "the newest entries were removed and rewritten",
            )
        ]
    if found[1] != latest.count:
        return [
            Finding(
                "entry_removed",
                f"the log holds {found[1]} entries up to entry {latest.entry_id}; the checkpoint "
                f"of {latest.at} counted {latest.count}",
            )
        ]
    return []
