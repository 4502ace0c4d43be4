"""A national export read agency by agency: ``agency_id=<id>/`` folders, each an ordinary export.

Each partition is validated with the very rules of ``features.loader`` (one partition in memory
at a time); across partitions only the keys travel: every NIP and position is kept once, with
the agency it belongs to, so a reference to another agency's employee or position, or a NIP
repeated in two agencies, is reported with both partitions named. Violations name their file as
``agency_id=<id>/<table>.csv``, in the loader's report format.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from features.errors import JobfitError
from features.export import Export
from features.loader import (
    ContractError,
    Violation,
    _locate,
    _normalise_text,
    _parquet_as_text,
    _read_all,
    _reference_violations,
    _row_violations,
    _typed_export,
    _write_report,
)

PARTITION_PREFIX = "agency_id="
_KEYS = (("employees", "nip"), ("positions", "position_id"))
"""Keys that are unique across the nation and that other tables refer to."""
_AGENCY_TABLES = ("employees", "positions")


@dataclass(frozen=True)
class PartitionSummary:
    """What a valid partitioned export holds."""

    agencies: list[str]
    employees: int


def is_partitioned(folder: Path) -> bool:
    """Whether ``folder`` holds ``agency_id=<id>/`` partitions rather than tables."""
    folder = Path(folder)
    return folder.is_dir() and any(
        p.is_dir() and p.name.startswith(PARTITION_PREFIX) for p in folder.iterdir()
    )


def partitions(folder: Path) -> list[Path]:
    """The export's partition folders, by agency id."""
    found = sorted(
        p for p in Path(folder).iterdir() if p.is_dir() and p.name.startswith(PARTITION_PREFIX)
    )
    if not found:
        raise JobfitError(f"no {PARTITION_PREFIX}<id> folders in {folder}")
    return found


def _key_owners(parts: list[Path]) -> tuple[dict[str, dict[str, str]], list[Violation]]:
    """Every NIP and position id with the agency holding it; repeats across agencies."""
    owners: dict[str, dict[str, str]] = {table: {} for table, _ in _KEYS}
    repeats: list[Violation] = []
    for part in parts:
        agency = part.name.removeprefix(PARTITION_PREFIX)
        try:
            files = _locate(part)
        except ContractError:
            continue  # reported with the partition's own violations
        for table, column in _KEYS:
            values = _read_column(files[table], column)
            seen = owners[table]
            for row in range(len(values)):
                value = values[row]
                other = seen.setdefault(value, agency)
                if other != agency:
                    rule = f"must be unique across agencies: also in {PARTITION_PREFIX}{other}"
                    repeats.append(
                        Violation(f"{part.name}/{files[table].name}", row + 1, column, value, rule)
                    )
    return owners, repeats


def _read_column(path: Path, column: str) -> list[str]:
    """One column of a table file as text (only that column is read); none if it is missing."""
    try:
        if path.suffix == ".csv":
            frame = pd.read_csv(
                path, usecols=[column], dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
        else:
            frame = pd.read_parquet(path, columns=[column]).astype(str)
    except (ValueError, KeyError, OSError, UnicodeDecodeError):
        return []  # the partition's own checks name the missing column or unreadable file
    return frame[column].str.strip().tolist()


def _partition_violations(
    part: Path, owners: dict[str, dict[str, str]]
) -> tuple[list[Violation], Export | None]:
    """The loader's rules on one partition, references to other agencies explained."""
    agency = part.name.removeprefix(PARTITION_PREFIX)
    try:
        files = _locate(part)
    except ContractError as missing:
        return _named(part, missing.violations, owners), None
    tables, structural = _read_all(part, files)
    if structural:
        return _named(part, structural, owners), None
    found = _row_violations(tables) + _reference_violations(tables)
    for name in _AGENCY_TABLES:
        text = tables[name].text
        for row in (text.index[text["agency_id"] != agency]).tolist():
            rule = f"must be this partition's agency ({part.name})"
            value = str(text.at[row, "agency_id"])
            found.append(Violation(tables[name].file, row + 1, "agency_id", value, rule))
    found.sort(key=lambda v: (v.file, v.row or 0))
    if found:
        return _named(part, found, owners), None
    return [], _typed_export(tables, files)


def _named(
    part: Path, violations: list[Violation], owners: dict[str, dict[str, str]]
) -> list[Violation]:
    """Violations with the partition in the file name; a dangling key's real agency named."""
    out = []
    for v in violations:
        rule = v.rule
        target = {"employees.nip": "employees", "positions.position_id": "positions"}
        for suffix, table in target.items():
            other = owners[table].get(v.value)
            if rule.endswith(suffix) and other is not None:
                rule += f" of this agency: it belongs to {PARTITION_PREFIX}{other}"
        out.append(Violation(f"{part.name}/{v.file}", v.row, v.column, v.value, rule))
    return out


def validate_partitioned(
    data_dir: Path,
    *,
    report: Path | None = None,
    each: Callable[[str, Export], None] | None = None,
) -> PartitionSummary:
    """Validate a partitioned export one agency at a time (bounded by the largest agency).

    Parameters
    ----------
    data_dir : Path
        Folder of ``agency_id=<id>/`` partitions, each an export folder.
    report : Path, optional
        Where to write the full list of violations when the export is refused.
    each : callable, optional
        Called with ``(agency_id, export)`` for every valid partition, in order (to prepare
        candidates per agency without loading the nation).

    Raises
    ------
    ContractError
        Some partition breaks the contract, or keys repeat or point across agencies.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise JobfitError(f"no export folder at {folder}")
    parts = partitions(folder)
    owners, violations = _key_owners(parts)
    agencies, employees = [], 0
    for part in parts:
        found, export = _partition_violations(part, owners)
        violations += found
        if export is not None and not violations:
            agencies.append(part.name.removeprefix(PARTITION_PREFIX))
            employees += len(export.employees)
            if each is not None:
                each(agencies[-1], export)
    if violations:
        raise ContractError(folder, violations, _write_report(report, violations))
    return PartitionSummary(agencies=agencies, employees=employees)


def split_export(data_dir: Path, out: Path, *, chunk_rows: int = 200_000) -> list[str]:
    """Split an export folder into ``agency_id=<id>/`` partitions (CSV), streaming each table.

    Rows go to their agency by ``agency_id``, else by the agency of their ``nip`` (employees)
    or ``position_id`` (positions); only those two key columns are held whole. A row whose key
    belongs to no agency is refused (nothing is written), as validation would refuse it.
    """
    source, out = Path(data_dir), Path(out)
    if out.exists():
        raise JobfitError(f"{out} exists: split into a new folder")
    files = _locate(source)
    owners = {t: _owners_by_agency(files[t], c) for t, c in _KEYS}
    problems: list[Violation] = []
    for table, path in files.items():
        problems += _route_table(table, path, owners, out, chunk_rows)
    if problems:
        shutil.rmtree(out, ignore_errors=True)
        raise ContractError(source, problems, None)
    return sorted(p.name.removeprefix(PARTITION_PREFIX) for p in partitions(out))


def _owners_by_agency(path: Path, column: str) -> dict[str, str]:
    keys, agencies = _read_column(path, column), _read_column(path, "agency_id")
    if not keys or len(keys) != len(agencies):
        raise JobfitError(f"{path.name}: needs readable {column} and agency_id columns to split")
    return dict(zip(keys, agencies, strict=True))


def _chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """A table file as text chunks, the loader's spelling of every cell."""
    if path.suffix == ".csv":
        reader = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=rows
        )
        chunks: Iterator[pd.DataFrame] = reader
    else:
        batches = pq.ParquetFile(path).iter_batches(batch_size=rows)
        chunks = (_parquet_as_text(b.to_pandas()) for b in batches)
    for chunk in chunks:
        chunk.columns = [str(c).strip() for c in chunk.columns]
        yield _normalise_text(chunk.reset_index(drop=True))


def _route_table(
    table: str, path: Path, owners: dict[str, dict[str, str]], out: Path, rows: int
) -> list[Violation]:
    """Append each chunk's rows to their agency's file; rows of no agency are reported."""
    problems: list[Violation] = []
    written: set[str] = set()
    first = 0
    for chunk in _chunks(path, rows):
        if table == "export_metadata":
            agency = pd.Series([sorted(set(owners["employees"].values()))] * len(chunk))
            chunk = chunk.assign(_agency=agency).explode("_agency")
        elif "agency_id" in chunk.columns:
            chunk = chunk.assign(_agency=chunk["agency_id"])
        else:
            column, key_table = (
                ("nip", "employees") if "nip" in chunk else ("position_id", "positions")
            )
            chunk = chunk.assign(_agency=chunk[column].map(owners[key_table]))
            for i in chunk.index[chunk["_agency"].isna()]:
                rule = f"must be an existing {key_table}.{column}: it belongs to no agency"
                problems.append(
                    Violation(path.name, first + i + 1, column, chunk.at[i, column], rule)
                )
        first += len(chunk)
        for agency, rows_of in chunk.dropna(subset=["_agency"]).groupby("_agency", sort=False):
            target = out / f"{PARTITION_PREFIX}{agency}" / f"{table}.csv"
            target.parent.mkdir(parents=True, exist_ok=True)
            rows_of.drop(columns="_agency").to_csv(
                target, mode="a", header=target not in written and not target.exists(), index=False
            )
            written.add(target)
    return problems


__all__ = [
    "PartitionSummary",
    "is_partitioned",
    "partitions",
    "split_export",
    "validate_partitioned",
]
