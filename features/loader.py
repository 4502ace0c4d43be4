"""Load a personnel export folder, check every rule of the data contract, return typed frames.

A broken export is refused as a whole (:class:`ContractError` names file, row, column, value
and rule, and the full list goes to a report file); with ``rejects`` the bad rows, and the rows
that depend on them, are set aside into a rejects file instead, and counted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from features.errors import JobfitError
from features.export import (
    MAPPED_FROM,
    OPTIONAL_COLUMNS,
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    TABLE_COLUMNS,
    Export,
    reference_date,
)
from features.legacy import PREDICATES_FROM, is_old_rating, map_ratings, map_trainings
from features.private import owner_only
from features.schemas import (
    BOOLEAN_COLUMNS,
    DATE_COLUMNS,
    DECIMAL_COLUMNS,
    INTEGER_COLUMNS,
    SCHEMAS,
)
from features.staffing import NEED_KEY
from features.vocabulary import PNS_RANKS, PPPK_RANKS

logger = logging.getLogger(__name__)

_BUILTIN_RULES = {"field_uniqueness": "must be unique: this value repeats"}

SHOWN_VIOLATIONS = 20
"""How many violations the error message lists; the report file has them all."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (file, 1-based data row, column), what value, which rule."""

    file: str
    row: int | None
    column: str | None
    value: str
    rule: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        value = self.value if len(self.value) <= 40 else self.value[:37] + "..."
        shown = f", value '{value}'" if self.row is not None else ""
        return f"{', '.join(where)}{shown}: {self.rule}"


class ContractError(JobfitError):
    """The export breaks the data contract; nothing was loaded."""

    def __init__(self, folder: Path, violations: list[Violation], report_path: Path | None):
        self.violations = violations
        self.report_path = report_path
        lines = [f"the export in {folder} breaks the data contract: {len(violations)} problem(s)"]
        if any(v.row is not None for v in violations):
            lines[0] += " (rows count data rows from 1; row N is line N+1 of a CSV file)"
        lines += [f"  - {v}" for v in violations[:SHOWN_VIOLATIONS]]
        if len(violations) > SHOWN_VIOLATIONS:
            lines.append(f"  ... and {len(violations) - SHOWN_VIOLATIONS} more")
        if report_path is not None:
            lines.append(f"full report: {report_path}")
        super().__init__("\n".join(lines))


@dataclass
class _Table:
    """One table as text, with the name of the file it came from."""

    name: str
    file: str
    text: pd.DataFrame
    bad: dict[int, list[str]] = field(default_factory=dict)
    """Reasons per current row index found by the last checks."""
    rejected: dict[int, list[str]] = field(default_factory=dict)
    """Reasons per original row index of the rows set aside."""
    original_index: np.ndarray | None = None


def load_export(
    data_dir: Path, *, rejects: Path | None = None, report: Path | None = None
) -> Export:
    """Load and validate an export folder.

    Parameters
    ----------
    data_dir : Path
        Folder with one ``<table>.csv`` or ``<table>.parquet`` per table.
    rejects : Path, optional
        Set rows that break a rule aside into this CSV (with their reasons) instead of
        refusing the export; rows that depend on them are set aside too.
    report : Path, optional
        Where to write the full list of violations when the export is refused.

    Returns
    -------
    Export
        Typed frames, one per table.

    Raises
    ------
    ContractError
        The export breaks the contract (with ``rejects``: only when a table or column is
        missing, since rows cannot be set aside then).
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise JobfitError(f"no export folder at {folder}")
    files = _locate(folder)
    tables, structural = _read_all(folder, files)
    if structural:
        raise ContractError(folder, structural, _write_report(report, structural))
    violations = _row_violations(tables)
    violations += _reference_violations(tables)
    violations.sort(key=lambda v: (v.file, v.row or 0))
    if violations and rejects is None:
        raise ContractError(folder, violations, _write_report(report, violations))
    if rejects is not None:
        _set_aside(tables, violations, rejects)
    return _typed_export(tables, files)


def _locate(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    problems: list[Violation] = []
    for table in TABLE_COLUMNS:
        found = [p for p in (folder / f"{table}.csv", folder / f"{table}.parquet") if p.exists()]
        if len(found) == 2:
            problems.append(
                Violation(
                    f"{table}.csv",
                    None,
                    None,
                    "",
                    f"both {table}.csv and {table}.parquet exist: keep one",
                )
            )
        elif found:
            files[table] = found[0]
        elif table in REQUIRED_TABLES:
            problems.append(
                Violation(
                    f"{table}.csv",
                    None,
                    None,
                    "",
                    f"required table {table} is missing (.csv or .parquet)",
                )
            )
    if problems:
        raise ContractError(folder, problems, None)
    return files


def _read_all(folder: Path, files: dict[str, Path]) -> tuple[dict[str, _Table], list[Violation]]:
    tables: dict[str, _Table] = {}
    problems: list[Violation] = []
    extra: list[str] = []
    for table, columns in TABLE_COLUMNS.items():
        path = files.get(table)
        text = (
            _read_text(path) if path else pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        )
        file = path.name if path else f"{table}.csv"
        optional = OPTIONAL_COLUMNS.get(table, ())
        for column in columns:
            if column not in text.columns:
                if column in optional:
                    text[column] = ""
                else:
                    problems.append(
                        Violation(file, None, column, "", f"required column {column} is missing")
                    )
        extra += [f"{table}.{c}" for c in text.columns if c not in columns]
        present = [c for c in columns if c in text.columns]
        tables[table] = _Table(table, file, text[present].reset_index(drop=True))
    if extra:
        logger.warning("ignoring columns the data contract does not define: %s", ", ".join(extra))
    return tables, problems


def _read_text(path: Path) -> pd.DataFrame:
    """Read a table as text: every cell a string, empty cells as ''."""
    try:
        if path.suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            frame = _parquet_as_text(pd.read_parquet(path))
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise JobfitError(f"{path.name}: cannot be read as a table ({error})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return _normalise_text(frame)


INTEGRAL_DECIMAL = r"^(-?\d+)\.0*$"
MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?$"


def _normalise_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Equivalent spellings of one value made the contract's: cells stripped of surrounding
    blanks, booleans in any case, whole numbers written as decimals ("4.0", as spreadsheets
    and pandas write them), dates written as midnight timestamps ("2024-01-31 00:00:00").
    Anything else stays as it is, for validation to accept or refuse."""
    frame = frame.apply(lambda column: column.str.strip())
    for column in BOOLEAN_COLUMNS & set(frame.columns):
        frame[column] = frame[column].str.lower()
    for column in INTEGER_COLUMNS & set(frame.columns):
        frame[column] = frame[column].str.replace(INTEGRAL_DECIMAL, r"\1", regex=True)
    for column in DATE_COLUMNS & set(frame.columns):
        frame[column] = frame[column].str.replace(MIDNIGHT, r"\1", regex=True)
    return frame


def _parquet_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render a Parquet table's cells the way the contract writes them in CSV."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        missing = values.isna()
        if pd.api.types.is_bool_dtype(values):
            text = values.map({True: "true", False: "false"})
        elif pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(values) and column in INTEGER_COLUMNS | {"nip"}:
            text = values.map(lambda v: f"{v:.0f}" if float(v).is_integer() else repr(v))
        elif values.dtype == object and values.map(lambda v: hasattr(v, "isoformat")).any():
            text = values.map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else v)
        elif values.dtype == object and values.map(lambda v: isinstance(v, bool)).any():
            text = values.map(lambda v: str(v).lower() if isinstance(v, bool) else v)
        else:
            text = values.astype(str)
        out[str(column)] = text.astype(object).where(~missing, "").astype(str)
    return out


def _row_violations(tables: dict[str, _Table]) -> list[Violation]:
    violations: list[Violation] = []
    for table in tables.values():
        violations += _schema_violations(table)
    violations += _employee_rules(tables["employees"])
    violations += _date_order(tables["position_history"], "start_date", "end_date")
    violations += _date_order(tables["discipline"], "decided_on", "ends_on")
    violations += _unique(tables["performance"], ["nip", "year"])
    violations += _old_scale_years(tables["performance"])
    violations += _unique(tables["rounds"], ["round_id", "nip"])
    violations += _round_rules(tables["rounds"])
    violations += _single_row(tables["export_metadata"])
    violations += _unique(tables["staffing_needs"], list(NEED_KEY))
    violations += _unique(tables["jpt_selections"], ["selection_id", "nip", "stage"])
    violations += _date_order(tables["jpt_selections"], "opened_on", "decided_on")
    violations += _selection_rules(tables["jpt_selections"])
    return violations


def _schema_violations(table: _Table) -> list[Violation]:
    schema = SCHEMAS[table.name]
    try:
        schema.validate(table.text, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()]
        return [
            _flag(
                table,
                int(case.index),
                str(case.column),
                str(case.failure_case),
                _BUILTIN_RULES.get(str(case.check), str(case.check)),
            )
            for case in cases.itertuples(index=False)
        ]
    return []


def _flag(table: _Table, index: int, column: str | None, value: str, rule: str) -> Violation:
    table.bad.setdefault(index, []).append(f"{column}: {rule}" if column else rule)
    return Violation(table.file, index + 1, column, value, rule)


def _flag_mask(
    table: _Table,
    mask: np.ndarray | pd.Series,
    column: str,
    rule: str,
    values: pd.Series | None = None,
) -> list[Violation]:
    shown = table.text[column] if values is None else values
    return [
        _flag(table, int(i), column, str(shown.iloc[i]), rule)
        for i in np.flatnonzero(np.asarray(mask))
    ]


def _employee_rules(table: _Table) -> list[Violation]:
    """The NIP's digits agree with birth date, gender and (PNS) start of service; ranks."""
    text = table.text
    nip = text["nip"].where(text["nip"].str.fullmatch(r"\d{18}"), None)
    ok = nip.notna()
    birth = text["birth_date"].str.replace("-", "")
    out = _flag_mask(
        table,
        ok & (birth != nip.str[:8]),
        "birth_date",
        "must agree with NIP digits 1-8 (YYYYMMDD)",
    )
    gender_digit = text["gender"].map({"M": "1", "F": "2"})
    out += _flag_mask(
        table,
        ok & gender_digit.notna() & (gender_digit != nip.str[14]),
        "gender",
        "must agree with NIP digit 15 (1 = M, 2 = F)",
    )
    pns = text["employment_type"] == "PNS"
    service = text["service_start"].str.replace("-", "").str[:6]
    out += _flag_mask(
        table,
        ok & pns & (service != nip.str[8:14]),
        "service_start",
        "for PNS its year-month must agree with NIP digits 9-14 (YYYYMM)",
    )
    out += _flag_mask(
        table,
        pns & ~text["rank"].isin(PNS_RANKS),
        "rank",
        "a PNS rank must be a golongan ruang I/a ... IV/e",
    )
    pppk = text["employment_type"] == "PPPK"
    out += _flag_mask(
        table,
        pppk & ~text["rank"].isin(PPPK_RANKS),
        "rank",
        "a PPPK rank must be a golongan I ... XVII",
    )
    return out


def _date_order(table: _Table, first: str, last: str) -> list[Violation]:
    text = table.text
    start = pd.to_datetime(text[first], format="%Y-%m-%d", errors="coerce")
    end = pd.to_datetime(text[last], format="%Y-%m-%d", errors="coerce")
    return _flag_mask(table, (end < start).to_numpy(), last, f"must not be before {first}")


def _unique(table: _Table, columns: list[str]) -> list[Violation]:
    duplicated = table.text.duplicated(subset=columns, keep=False).to_numpy()
    return _flag_mask(
        table,
        duplicated,
        columns[-1],
        f"({', '.join(columns)}) must be unique: this combination repeats",
    )


def _old_scale_years(table: _Table) -> list[Violation]:
    """A numeric SKP score or an old rating only for a year before the 2022 predicates."""
    text = table.text
    recent = pd.to_numeric(text["year"], errors="coerce") >= PREDICATES_FROM
    return _flag_mask(
        table,
        (recent & is_old_rating(text["rating"])).to_numpy(),
        "rating",
        f"an SKP score or a PP 46/2011 rating is accepted for years before {PREDICATES_FROM} "
        f"only: from {PREDICATES_FROM} a rating is a PermenPANRB 6/2022 predicate",
    )


def _round_rules(table: _Table) -> list[Violation]:
    """One vacancy filled once: one position and one decision date a round, one selected."""
    text = table.text
    out: list[Violation] = []
    for column in ("position_id", "decided_on"):
        usual = text.groupby("round_id")[column].transform(lambda s: s.mode().iloc[0])
        out += _flag_mask(
            table,
            (text[column] != usual).to_numpy(),
            column,
            f"a round must have one {column} for all its rows",
        )
    selected = text.groupby("round_id")["selected"].transform(lambda s: (s == "true").sum())
    out += _flag_mask(
        table,
        (selected > 1).to_numpy() & (text["selected"] == "true").to_numpy(),
        "selected",
        "at most one candidate of a round may be selected",
    )
    return out


def _selection_rules(table: _Table) -> list[Violation]:
    """A past JPT selection: one kind, post and dates for all its rows; at most one chosen
    person, and only one of the names proposed (rank 1-3)."""
    text = table.text
    out: list[Violation] = []
    for column in ("kind", "agency_id", "position_id", "opened_on", "decided_on"):
        usual = text.groupby("selection_id")[column].transform(lambda s: s.mode().iloc[0])
        out += _flag_mask(
            table,
            (text[column] != usual).to_numpy(),
            column,
            f"a selection must have one {column} for all its rows",
        )
    chosen = text["chosen"] == "true"
    people = text.loc[chosen].groupby("selection_id")["nip"].transform("nunique")
    many = pd.Series(False, index=text.index)
    many.loc[people.index] = people > 1
    out += _flag_mask(
        table, many.to_numpy(), "chosen", "at most one person of a selection may be chosen"
    )
    unproposed = chosen & (text["proposed_rank"].isin(["", "0"]))
    return out + _flag_mask(
        table, unproposed.to_numpy(), "proposed_rank", "the chosen person must be proposed (1-3)"
    )


def _single_row(table: _Table) -> list[Violation]:
    """A table that describes the export as a whole has at most one row."""
    extra = np.arange(len(table.text)) >= 1
    return _flag_mask(table, extra, table.text.columns[0], "this table has at most one row")


def _reference_violations(tables: dict[str, _Table]) -> list[Violation]:
    """References between tables: positions and employees that rows point to exist."""
    positions = set(tables["positions"].text["position_id"])
    employees = set(tables["employees"].text["nip"])
    out: list[Violation] = []
    for name, column, known, optional in (
        ("employees", "current_position_id", positions, True),
        ("rounds", "position_id", positions, False),
        ("position_history", "position_id", positions, True),
        ("key_posts", "position_id", positions, False),
        ("jpt_selections", "position_id", positions, False),
    ):
        out += _dangling(tables[name], column, known, "positions.position_id", optional)
    for name in (
        "competencies",
        "performance",
        "position_history",
        "rounds",
        "discipline",
        "trainings",
        "aspirations",
        "jpt_selections",
    ):
        out += _dangling(tables[name], "nip", employees, "employees.nip", optional=False)
    return out + _unknown_units(tables["staffing_needs"], tables["positions"].text)


def _unknown_units(needs: _Table, positions: pd.DataFrame) -> list[Violation]:
    """A need names a unit that has positions in the same agency."""
    units = pd.MultiIndex.from_frame(positions[["agency_id", "unit_id"]])
    known = pd.MultiIndex.from_frame(needs.text[["agency_id", "unit_id"]]).isin(units)
    rule = "must be a unit of its agency_id in positions (agency_id, unit_id)"
    return _flag_mask(needs, ~known, "unit_id", rule)


def _dangling(
    table: _Table, column: str, known: set[str], target: str, optional: bool
) -> list[Violation]:
    values = table.text[column]
    missing = ~values.isin(known) & ~(optional & (values == ""))
    return _flag_mask(table, missing.to_numpy(), column, f"must be an existing {target}")


def _set_aside(tables: dict[str, _Table], violations: list[Violation], rejects: Path) -> None:
    """Drop flagged rows and those that depend on them; write them with reasons."""
    for _ in range(4):
        removed = _drop_bad(tables)
        if not removed:
            break
        _reference_violations(tables)
    rows = [
        {
            "table": t.name,
            "row": i + 1,
            "reasons": "; ".join(reasons),
            **{c: t.text.at[i, c] for c in t.text.columns},
        }
        for t in tables.values()
        for i, reasons in t.rejected.items()
    ]
    rejects = Path(rejects)
    rejects.parent.mkdir(parents=True, exist_ok=True)
    with owner_only(rejects) as handle:
        pd.DataFrame(rows).to_csv(handle, index=False)
    counts = {t.name: len(t.rejected) for t in tables.values() if t.rejected}
    if counts:
        logger.warning(
            "set aside %d row(s) into %s: %s",
            sum(counts.values()),
            rejects,
            ", ".join(f"{k} {v}" for k, v in counts.items()),
        )


def _drop_bad(tables: dict[str, _Table]) -> int:
    removed = 0
    for table in tables.values():
        if table.original_index is None:
            table.original_index = np.arange(len(table.text))
        if not table.bad:
            continue
        keep = ~table.text.index.isin(list(table.bad))
        for index, reasons in table.bad.items():
            table.rejected[int(table.original_index[index])] = reasons
        table.original_index = table.original_index[keep]
        table.text = table.text[keep].reset_index(drop=True)
        removed += len(table.bad)
        table.bad = {}
    return removed


def _typed_export(tables: dict[str, _Table], files: dict[str, Path]) -> Export:
    frames = {name: _typed(table.text) for name, table in tables.items()}
    for table, mapping in (("performance", map_ratings), ("trainings", map_trainings)):
        frames[table] = _mapped(frames[table], MAPPED_FROM[table], mapping)
    return Export(**frames, snapshot_hash=_snapshot_hash(files))


def _typed(text: pd.DataFrame) -> pd.DataFrame:
    out = text.copy()
    for column in out.columns:
        if column in DATE_COLUMNS:
            out[column] = pd.to_datetime(out[column].replace("", None), format="%Y-%m-%d")
            out[column] = out[column].astype("datetime64[ns]")
        elif column == "disability":
            out[column] = out[column].map({"true": True, "false": False}).astype("boolean")
        elif column in BOOLEAN_COLUMNS:
            out[column] = out[column] == "true"
        elif column in INTEGER_COLUMNS:
            out[column] = out[column].astype("int64")
        elif column in DECIMAL_COLUMNS:
            out[column] = pd.to_numeric(out[column].replace("", None)).astype("float64")
        else:
            out[column] = out[column].astype(object)
    return out


def _mapped(
    frame: pd.DataFrame, column: str, mapping: Callable[[pd.Series], tuple[pd.Series, pd.Series]]
) -> pd.DataFrame:
    """Values of the old scales mapped to today's, the original kept in ``<column>_mapped_from``
    (``""`` where nothing was mapped; features.legacy)."""
    today, original = mapping(frame[column].astype(str))
    return frame.assign(
        **{column: today.astype(object), f"{column}_mapped_from": original.astype(object)}
    )


def _snapshot_hash(files: dict[str, Path]) -> str:
    digest = hashlib.sha256()
    for table in sorted(files):
        digest.update(table.encode())
        with files[table].open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _write_report(report: Path | None, violations: Iterable[Violation]) -> Path | None:
    if report is None:
        return None
    report = Path(report)
    report.parent.mkdir(parents=True, exist_ok=True)
    with owner_only(report) as handle:
        pd.DataFrame([v.__dict__ for v in violations]).to_csv(handle, index=False)
    return report


def _mapped_count(frame: pd.DataFrame, column: str) -> int:
    """Rows whose ``column`` was mapped from an old scale."""
    marks = frame.get(f"{column}_mapped_from")
    return 0 if marks is None else int((marks != "").sum())


def summarize_export(export: Export) -> str:
    """A short human summary: rows per table, date ranges and the snapshot hash."""
    lines = ["export is valid:"]
    for table in TABLE_COLUMNS:
        frame = export.table(table)
        note = "" if table in REQUIRED_TABLES or len(frame) else " (absent: none recorded)"
        lines.append(f"  {table:<18} {len(frame):>9,} rows{note}")
    employees = export.employees
    lines.append(f"  active employees   {int((employees['status'] == 'ACTIVE').sum()):>9,}")
    lines.append(f"  vacant positions   {int(export.positions['is_vacant'].sum()):>9,}")
    if len(export.rounds):
        first, last = export.rounds["decided_on"].min(), export.rounds["decided_on"].max()
        lines.append(
            f"  rounds             {export.rounds['round_id'].nunique():>9,} "
            f"decided {first:%Y-%m-%d} .. {last:%Y-%m-%d}"
        )
    mapped = {t: _mapped_count(export.table(t), c) for t, c in MAPPED_FROM.items()}
    if any(mapped.values()):
        counts = ", ".join(f"{n:,} {t}" for t, n in mapped.items())
        lines.append(f"  old scales mapped  {counts} rows (docs/data-contract.md)")
    stated = "extracted_on" if len(export.export_metadata) else "latest record"
    lines.append(f"  describes          {reference_date(export):%Y-%m-%d} ({stated})")
    lines.append(f"  snapshot hash      {export.snapshot_hash[:16]}")
    return "\n".join(lines)


__all__ = ["ContractError", "Violation", "load_export", "summarize_export", "OPTIONAL_TABLES"]
