"""Writes a synthetic export agency by agency, streamed to CSV or Parquet, atomically."""

from __future__ import annotations

import logging
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from features.errors import JobfitError
from features.export import TABLE_COLUMNS
from features.vocabulary import COMPETENCIES, REQUIRED_COMPETENCY_COLUMNS
from training.synthetic.agency import generate_agency
from training.synthetic.latent import LATENTS
from training.synthetic.legacy import old_scale_tables
from training.synthetic.spec import AgencySpec
from training.truth import write_truth

logger = logging.getLogger(__name__)

DEFAULT_REFERENCE_DATE = "2026-10-31"
AGENCY_SIZE = 25_000
"""Employees per agency above which the export spans several governments."""

DATE_COLUMNS = frozenset(
    {
        "birth_date",
        "rank_since",
        "service_start",
        "position_since",
        "assessed_on",
        "start_date",
        "end_date",
        "decided_on",
        "ends_on",
        "completed_on",
        "submitted_on",
        "date",
        "as_of",
        "critical_since",
        "opened_on",
    }
)
BOOL_COLUMNS = frozenset({"disability", "is_vacant", "selected", "passed", "chosen"})
INT_COLUMNS = frozenset(
    {
        "year",
        "label",
        "hours",
        "preference_rank",
        "min_experience_years",
        "needed",
        "proposed_rank",
        *REQUIRED_COMPETENCY_COLUMNS,
    }
)
FLOAT_COLUMNS = frozenset({*COMPETENCIES, "potential_score", "score"})


class GeneratorError(JobfitError):
    """The generator was asked for something it cannot produce."""


def _agency_specs(
    employees: int, seed: int, reference_date: str, latent: str = "default", truth: bool = False
) -> list[AgencySpec]:
    count = 1 if employees <= int(AGENCY_SIZE * 1.2) else math.ceil(employees / AGENCY_SIZE)
    sizes = np.full(count, employees // count)
    sizes[: employees % count] += 1
    kinds = ("PEMPROV", "PEMKAB", "PEMKAB", "PEMKOT")  # a province to every ~3 local governments
    names = ["PEMKOT-PLG", *(f"{kinds[i % len(kinds)]}-{i:03d}" for i in range(1, count))]
    ref = np.datetime64(reference_date, "D")
    return [
        AgencySpec(names[i], i, int(sizes[i]), ref, seed, latent=latent, truth=truth)
        for i in range(count)
    ]


def _arrow_type(column: str) -> pa.DataType:
    if column in DATE_COLUMNS:
        return pa.date32()
    if column in BOOL_COLUMNS:
        return pa.bool_()
    if column in INT_COLUMNS:
        return pa.int64()
    if column in FLOAT_COLUMNS:
        return pa.float64()
    return pa.string()


def _contract_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The table's contract columns, in order, with empty strings for empty text."""
    out = frame.reindex(columns=list(TABLE_COLUMNS[table])).copy()
    for column in out.columns:
        if column in DATE_COLUMNS:
            out[column] = pd.to_datetime(out[column])
        elif column not in BOOL_COLUMNS | INT_COLUMNS | FLOAT_COLUMNS:
            out[column] = out[column].fillna("").astype(str)
    return out


def _csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if column in DATE_COLUMNS:
            out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
        elif column in BOOL_COLUMNS:
            out[column] = np.where(out[column].astype(bool), "true", "false")
    return out


class _TableSink:
    """Appends chunks of one table to its file."""

    def __init__(self, folder: Path, table: str, fmt: str) -> None:
        self.table, self.fmt = table, fmt
        self.path = folder / f"{table}.{fmt}"
        self.schema = pa.schema([(c, _arrow_type(c)) for c in TABLE_COLUMNS[table]])
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, frame: pd.DataFrame) -> None:
        frame = _contract_frame(self.table, frame)
        if self.fmt == "csv":
            _csv_text(frame).to_csv(
                self.path,
                mode="a",
                header=self.rows == 0,
                index=False,
                float_format="%.10g",
                lineterminator="\n",
            )
        else:
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.path, self.schema)
            self.writer.write_table(
                pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
            )
        self.rows += len(frame)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        elif self.rows == 0 and self.fmt == "csv":
            pd.DataFrame(columns=list(TABLE_COLUMNS[self.table])).to_csv(self.path, index=False)


def generate_export(
    out_dir: Path,
    *,
    employees: int,
    seed: int,
    fmt: str = "csv",
    reference_date: str = DEFAULT_REFERENCE_DATE,
    progress: bool = True,
    latent: str = "default",
    truth_dir: Path | None = None,
    legacy_history: bool = False,
    partitioned: bool = False,
) -> None:
    """Generate a synthetic personnel export in the data contract's format.

    Parameters
    ----------
    out_dir : Path
        Folder to write; replaced only once the new export is complete.
    employees : int
        Number of employees (200 up to national scale); above ~30 000 the export spans
        several agencies of about 25 000 employees, generated and written one at a time.
    seed : int
        Seed: the same seed gives byte-identical files.
    fmt : {"csv", "parquet"}
        File format of every table.
    reference_date : str
        The export date (ISO); nothing is dated after it. Never the clock.
    progress : bool
        Show a progress bar on stderr.
    latent : str
        Latent-fit variant (``training.synthetic.latent.LATENTS``: ``default``, ``perturbed``)
        behind the rounds' labels and the truth.
    truth_dir : Path, optional
        Also write the held-back truth (``truth.csv``: the latent fit of every open vacancy
        with every active employee of its agency, eligibility and a graded relevance; see
        ``training.truth``) into this folder, which must lie outside ``out_dir``. The export
        itself is the same bytes with or without it.
    legacy_history : bool
        Write the years before 2022 in the old scales (SKP scores and PP 46/2011 ratings,
        Diklatpim trainings; ``training.synthetic.legacy``). Off: the same bytes as before.
    partitioned : bool
        Write each agency as its own export in ``agency_id=<id>/`` (features.partitioned), so
        a national export is read and validated one agency at a time in bounded memory.
    """
    if latent not in LATENTS:
        raise GeneratorError(f"--latent must be one of {sorted(LATENTS)}, not {latent!r}")
    if truth_dir is not None:
        inside = Path(truth_dir).resolve()
        if inside == Path(out_dir).resolve() or Path(out_dir).resolve() in inside.parents:
            raise GeneratorError("--truth must be a folder outside the export (--out)")
    if fmt not in ("csv", "parquet"):
        raise GeneratorError(f"--format must be csv or parquet, not {fmt!r}")
    if employees < 200:
        raise GeneratorError(f"--employees must be at least 200, not {employees}")
    try:
        reference = np.datetime64(reference_date, "D")
    except ValueError as error:
        raise GeneratorError(
            f"--reference-date must be an ISO date, not {reference_date!r}"
        ) from error
    if not np.datetime64("2021-01-01") <= reference <= np.datetime64("2100-12-31"):
        raise GeneratorError(
            f"--reference-date must lie between 2021-01-01 and 2100-12-31 (past rounds start in "
            f"2019), not {reference_date}"
        )
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the export is an ordinary folder
    truth: list[pd.DataFrame] | None = [] if truth_dir is not None else None
    try:
        write = _write_partitioned if partitioned else _write_all
        write(
            staging, employees, seed, fmt, reference_date, progress, latent, truth, legacy_history
        )
        _replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if truth is not None and truth_dir is not None:
        write_truth(out_dir, truth_dir, pd.concat(truth, ignore_index=True), reference_date,
                    latent=latent, seed=seed)  # fmt: skip
    logger.info("wrote a synthetic export of %d employees to %s", employees, out_dir)


def _write_all(
    folder: Path,
    employees: int,
    seed: int,
    fmt: str,
    reference_date: str,
    progress: bool,
    latent: str = "default",
    truth: list[pd.DataFrame] | None = None,
    legacy_history: bool = False,
) -> None:
    sinks = {table: _TableSink(folder, table, fmt) for table in TABLE_COLUMNS}
    specs = _agency_specs(employees, seed, reference_date, latent, truth is not None)
    with tqdm(total=employees, unit="employee", desc="generating", disable=not progress) as bar:
        for spec in specs:
            agency = generate_agency(spec)
            if truth is not None and agency.truth is not None:
                truth.append(agency.truth)
            tables = old_scale_tables(spec, agency.tables) if legacy_history else agency.tables
            for table, frame in tables.items():
                sinks[table].write(frame)
            bar.update(spec.employees)
    extracted = pd.DataFrame({"extracted_on": [pd.Timestamp(reference_date)]})
    sinks["export_metadata"].write(extracted)
    for sink in sinks.values():
        sink.close()


def _write_partitioned(
    folder: Path,
    employees: int,
    seed: int,
    fmt: str,
    reference_date: str,
    progress: bool,
    latent: str = "default",
    truth: list[pd.DataFrame] | None = None,
    legacy_history: bool = False,
) -> None:
    """Each agency as a complete export of its own, in ``folder/agency_id=<id>/``."""
    specs = _agency_specs(employees, seed, reference_date, latent, truth is not None)
    extracted = pd.DataFrame({"extracted_on": [pd.Timestamp(reference_date)]})
    with tqdm(total=employees, unit="employee", desc="generating", disable=not progress) as bar:
        for spec in specs:
            part = folder / f"agency_id={spec.agency_id}"
            part.mkdir()
            sinks = {table: _TableSink(part, table, fmt) for table in TABLE_COLUMNS}
            agency = generate_agency(spec)
            if truth is not None and agency.truth is not None:
                truth.append(agency.truth)
            tables = old_scale_tables(spec, agency.tables) if legacy_history else agency.tables
            for table, frame in {**tables, "export_metadata": extracted}.items():
                sinks[table].write(frame)
            for sink in sinks.values():
                sink.close()
            bar.update(spec.employees)


def _replace(staging: Path, out_dir: Path) -> None:
    """Swap the finished export into place; an existing folder is replaced only now."""
    if out_dir.exists():
        retired = out_dir.with_name(f".{out_dir.name}.old")
        shutil.rmtree(retired, ignore_errors=True)
        out_dir.rename(retired)
        staging.rename(out_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(out_dir)
