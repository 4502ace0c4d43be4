"""``make bench-national``: a national export generated, validated and prepared per agency.

The export is generated once (``--partitioned``, one agency per folder) in a child process,
then validated and its candidates prepared agency by agency in this one; each step reports its
wall time and peak resident memory (``getrusage``: the child's for generation, this process's
for validation and preparation).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from features.candidates import prepare_candidates
from features.export import Export, reference_date
from features.partitioned import is_partitioned, validate_partitioned

DEFAULT_DIR = Path("var/bench-national")


@dataclass(frozen=True)
class Step:
    """One measured step."""

    name: str
    seconds: float
    peak_mb: float


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def generate(out: Path, employees: int, seed: int, fmt: str) -> Step | None:
    """Generate the partitioned export in a child process unless it is already there."""
    if out.is_dir() and is_partitioned(out):
        return None
    start = time.perf_counter()
    command = [sys.executable, "-m", "training", "data", "--out", str(out)]
    command += ["--employees", str(employees), "--seed", str(seed), "--format", fmt]
    subprocess.run([*command, "--partitioned"], check=True)
    return Step("generate", time.perf_counter() - start, _peak_mb(resource.RUSAGE_CHILDREN))


def validate_and_prepare(folder: Path) -> tuple[Step, int, int]:
    """Validate every agency and prepare its candidates; the employees and agencies seen."""
    prepared = 0

    def prepare(_agency: str, export: Export) -> None:
        nonlocal prepared
        prepared += len(prepare_candidates(export, reference_date(export)).nips)

    start = time.perf_counter()
    summary = validate_partitioned(folder, each=prepare)
    step = Step("validate + prepare", time.perf_counter() - start, _peak_mb(resource.RUSAGE_SELF))
    return step, summary.employees, len(summary.agencies)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print one line per step."""
    parser = argparse.ArgumentParser(prog="bench-national", description=__doc__)
    parser.add_argument("--employees", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--format", default="parquet", choices=("csv", "parquet"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.out or DEFAULT_DIR / f"{args.employees}-{args.seed}-{args.format}"
    steps = [s for s in [generate(out, args.employees, args.seed, args.format)] if s]
    step, employees, agencies = validate_and_prepare(out)
    steps.append(step)
    print(f"national export {out}: {employees:,} employees in {agencies} agencies")
    for s in steps:
        print(f"  {s.name:<20} {s.seconds:>8.1f} s   peak RSS {s.peak_mb:>8,.0f} MB")


if __name__ == "__main__":
    main()
