"""Rotation campaigns: fill many vacancies at once, optimally, fairly and explained.

A campaign takes a set of open positions (listed, or every vacancy of one agency), scores each
against its eligible candidates with the champion ranker (the same features and rules as a
shortlist), and assigns people so that the *total* predicted fit is highest while nobody is
placed twice (:mod:`serving.assignment`). Moving an incumbent opens their position; with
``chain_depth > 0`` the opened positions are refilled in further rounds and every vacancy
chain is reported (A <- X from B <- Y from C ...).

The report compares the optimum with a greedy baseline (vacancies in a fixed order, each
takes its best remaining candidate) and with independent per-vacancy top-1 picks (which
double-book people); shows each unit's staffing before and after; audits selection rates by
gender and age band (protected attributes are read only for this audit); and says, for every
vacancy left open, which constraint binds.

The committee decides; a campaign is a proposal. This module knows nothing of HTTP.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from features.errors import JobfitError
from serving import assignment as asg

logger = logging.getLogger(__name__)

MAX_VACANCIES = 1000
"""Largest campaign accepted in one request."""

AGE_BANDS: tuple[tuple[int, str], ...] = ((30, "<30"), (40, "30-39"), (50, "40-49"), (200, "50+"))


class CampaignError(JobfitError):
    """A campaign request that cannot be run as asked (HTTP 422)."""

    status_code = 422


class CampaignNotFound(CampaignError):
    """A position, agency or stored campaign that does not exist (HTTP 404)."""

    status_code = 404


class CampaignOptions(BaseModel):
    """Options of one campaign (request body fields next to the scope)."""

    model_config = ConfigDict(extra="forbid")

    top_n: int = Field(50, ge=1, le=500, description="Candidates kept per vacancy (best first).")
    max_unit_share: float | None = Field(
        None, gt=0, le=1, description="Largest share of a unit's staff that may leave it."
    )
    min_tenure_years: float | None = Field(
        None, ge=0, le=40, description="People with less time in their post stay."
    )
    aspiration_mode: Literal["off", "tiebreak", "weighted"] = "tiebreak"
    aspiration_weight: float = Field(
        0.0, ge=0, le=100, description="Fit units a full aspiration match is worth (weighted)."
    )
    chain_depth: int = Field(0, ge=0, le=5, description="Rounds refilling opened positions.")
    fill_priority: bool = Field(
        True, description="Fill as many vacancies as possible first, then maximise fit."
    )

    def solver_options(self) -> asg.AssignmentOptions:
        """The pure solver's options."""
        return asg.AssignmentOptions(
            aspiration_mode=self.aspiration_mode,
            aspiration_weight=self.aspiration_weight,
            min_tenure_years=self.min_tenure_years,
            fill_priority=self.fill_priority,
        )


@dataclass(frozen=True)
class VacancyScores:
    """One vacancy scored against its pool: what the solver needs and what explains it.

    Attributes
    ----------
    position_id : str
    nips : numpy.ndarray
        The top-N eligible candidates, best first.
    fit : numpy.ndarray
        Their predicted fit (the ranker's score), aligned with ``nips``.
    eligible_count : int
        Eligible candidates before the top-N cut.
    pool_size : int
        Candidates evaluated.
    excluded : dict of str to int
        Per hard rule id, how many candidates fail it.
    blocked : str or None
        A vacancy-level reason nobody may be placed now (for example an election freeze).
    reasons : dict of str to list of str
        Per candidate kept, the top reasons of their score (when the scorer offers them).
    aspiration : numpy.ndarray or None
        Per candidate kept, how well the position meets their stated aspirations, in [0, 1]
        (1: first choice of job family or unit, 2/3 second, 1/3 third; the features'
        ``aspires_job_family`` / ``aspires_unit``).
    values : numpy.ndarray or None
        Per candidate kept, the model's feature values (rows aligned with ``nips``), so that
        only the people actually placed are explained (see ``RankerScorer.explain``).
    """

    position_id: str
    nips: np.ndarray
    fit: np.ndarray
    eligible_count: int
    pool_size: int
    excluded: dict[str, int] = field(default_factory=dict)
    blocked: str | None = None
    reasons: dict[str, list[str]] = field(default_factory=dict)
    aspiration: np.ndarray | None = None
    values: np.ndarray | None = None


class VacancyScorer(Protocol):
    """Scores one position against the candidate pool (the serving engine provides it)."""

    as_of: pd.Timestamp

    def score(
        self, position: Mapping[str, Any], exclude: Collection[str], top_n: int
    ) -> VacancyScores:
        """Score ``position`` against every candidate not in ``exclude``; keep the top-N."""
        ...


class Placement(BaseModel):
    """One proposed move."""

    round: int
    position_id: str
    position_title: str
    position_unit_id: str
    nip: str
    name: str
    from_position_id: str | None
    from_unit_id: str | None
    fit: float
    rank_on_shortlist: int
    aspiration_match: float
    reasons: list[str] = []


class OpenVacancy(BaseModel):
    """A vacancy the campaign leaves unfilled, and why."""

    round: int
    position_id: str
    position_title: str
    reason: str
    reason_id: str = Field("", description="The reason in Indonesian (``reason`` is English).")


class Baselines(BaseModel):
    """The optimum against the greedy baseline and independent top-1 (campaign vacancies)."""

    optimal_filled: int
    optimal_total_fit: float
    greedy_filled: int
    greedy_total_fit: float
    top1_filled: int
    top1_total_fit: float
    top1_double_booked_people: int
    top1_conflicts: int


class UnitLine(BaseModel):
    """A unit's staffing before and after, and its move cap."""

    unit_id: str
    staff_before: int
    leaving: int
    arriving: int
    staff_after: int
    cap: int | None = None
    wanted: int | None = None


class FairnessGroup(BaseModel):
    """Selection rate of one group among the candidates considered."""

    attribute: str
    group: str
    considered: int
    selected: int
    selection_rate: float


class CampaignReport(BaseModel):
    """A whole campaign: the proposal and everything that explains it."""

    campaign_id: str | None = None
    scope: str
    as_of: str
    options: CampaignOptions
    model: str
    vacancies: list[str]
    placements: list[Placement]
    open_vacancies: list[OpenVacancy]
    chains: list[list[str]]
    baselines: Baselines
    units: list[UnitLine]
    binding_constraints: list[str]
    binding_constraints_id: list[str] = Field(
        default_factory=list, description="The binding constraints in Indonesian."
    )
    fairness: list[FairnessGroup]
    fairness_max_gap: dict[str, float]
    solver: str
    timings_s: dict[str, float]

    def to_text(self) -> str:
        """A readable report for the terminal."""
        return render_text(self)

    def to_csv(self) -> str:
        """Placements and open vacancies as CSV (one line a position)."""
        return render_csv(self)


def resolve_vacancies(
    positions: pd.DataFrame,
    position_ids: Sequence[str] | None = None,
    agency_id: str | None = None,
) -> list[str]:
    """The campaign's vacancies: the listed ones, or every open one of an agency.

    Raises
    ------
    CampaignError
        Neither or both scopes given, a listed position twice or not vacant, too many.
    CampaignNotFound
        A listed position or the agency does not exist.
    """
    if (position_ids is None) == (agency_id is None):
        raise CampaignError("give either position_ids or agency_id, not both and not neither")
    if position_ids is not None:
        ids = [str(p).strip() for p in position_ids]
        if not ids or any(not p for p in ids):
            raise CampaignError("position_ids must list at least one non-empty position id")
        twice = sorted({p for p in ids if ids.count(p) > 1})
        if twice:
            raise CampaignError(f"position_ids lists {', '.join(twice)} more than once")
        known = positions.set_index("position_id")
        unknown = [p for p in ids if p not in known.index]
        if unknown:
            raise CampaignNotFound(f"unknown position_id(s): {', '.join(unknown[:20])}")
        filled = [p for p in ids if not bool(known.at[p, "is_vacant"])]
        if filled:
            raise CampaignError(f"position(s) not vacant: {', '.join(filled[:20])}")
    else:
        of_agency = positions[positions["agency_id"] == agency_id]
        if of_agency.empty:
            raise CampaignNotFound(f"unknown agency_id {agency_id!r}")
        ids = of_agency.loc[of_agency["is_vacant"].astype(bool), "position_id"].tolist()
        if not ids:
            raise CampaignError(f"agency {agency_id} has no open vacancy")
    if len(ids) > MAX_VACANCIES:
        raise CampaignError(f"a campaign takes at most {MAX_VACANCIES} vacancies, got {len(ids)}")
    return ids


@dataclass
class _People:
    """Per-employee facts the campaign reads, indexed by nip."""

    frame: pd.DataFrame
    unit_codes: pd.Index
    staff: np.ndarray

    @classmethod
    def from_employees(
        cls, employees: pd.DataFrame, positions: pd.DataFrame, as_of: pd.Timestamp
    ) -> _People:
        frame = employees.set_index("nip", drop=False)
        units = pd.Index(
            pd.unique(pd.concat([frame["unit_id"], positions["unit_id"]], ignore_index=True))
        )
        active = frame["status"] == "ACTIVE"
        staff = frame.loc[active, "unit_id"].value_counts().reindex(units, fill_value=0).to_numpy()
        since = pd.to_datetime(frame["position_since"])
        tenure = (as_of - since).dt.days / 365.25
        has_post = frame["current_position_id"].astype(str) != ""
        frame = frame.assign(
            _tenure=tenure.where(has_post), _unit=units.get_indexer(frame["unit_id"])
        )
        return cls(frame=frame, unit_codes=units, staff=staff)


def plan_campaign(
    *,
    vacancy_ids: Sequence[str],
    positions: pd.DataFrame,
    employees: pd.DataFrame,
    scorer: VacancyScorer,
    options: CampaignOptions,
    scope: str,
    model: str,
) -> CampaignReport:
    """Run a campaign: score, assign optimally in rounds, compare, audit and explain.

    Parameters
    ----------
    vacancy_ids : sequence of str
        The campaign's open positions (see :func:`resolve_vacancies`).
    positions, employees : pandas.DataFrame
        The export's tables.
    scorer : VacancyScorer
        Scores one position against the pool (features, rules and the champion ranker).
    options : CampaignOptions
    scope, model : str
        What was asked for and which model scored it, recorded in the report.

    Returns
    -------
    CampaignReport
    """
    started = time.perf_counter()
    as_of = pd.Timestamp(scorer.as_of)
    by_id = positions.set_index("position_id", drop=False)
    people = _People.from_employees(employees, positions, as_of)
    caps = None
    if options.max_unit_share is not None:
        caps = asg.unit_caps_from_share(people.staff, options.max_unit_share)
    caps_left = None if caps is None else caps.copy()
    solver_options = options.solver_options()

    state = _CampaignState()
    timings = {"scoring": 0.0, "solving": 0.0}
    round_ids = list(vacancy_ids)
    in_campaign = set(round_ids)
    baselines: Baselines | None = None
    wanted: dict[int, int] = {}
    for depth in range(options.chain_depth + 1):
        if not round_ids:
            break
        tick = time.perf_counter()
        scored = [
            scorer.score(by_id.loc[p].to_dict(), frozenset(state.moved), options.top_n)
            for p in round_ids
        ]
        timings["scoring"] += time.perf_counter() - tick
        tick = time.perf_counter()
        problem, nips = _build_problem(scored, people, caps_left)
        result = asg.solve(problem, solver_options)
        if depth == 0:
            baselines = _baselines(problem, result, solver_options)
            if caps is not None:
                wanted = asg.wanted_moves_per_unit(problem, solver_options)
        timings["solving"] += time.perf_counter() - tick
        first_new = len(state.placements)
        opened = state.record(depth, scored, problem, nips, result, by_id, people, caps_left)
        tick = time.perf_counter()
        _explain_placed(scorer, scored, state.placements[first_new:])
        timings["explaining"] = timings.get("explaining", 0.0) + time.perf_counter() - tick
        state.explain_open(depth, scored, problem, nips, result, by_id, people, caps_left, options)
        round_ids = [p for p in opened if p in by_id.index and p not in in_campaign]
        in_campaign.update(round_ids)
        if result.method not in state.solvers:
            state.solvers.append(result.method)
    units = _units(state.placements, people, caps, wanted)
    binding = _binding(caps, wanted, people, options)
    fairness = _fairness(state.considered, state.moved, people.frame, as_of)
    timings["total"] = time.perf_counter() - started
    return CampaignReport(
        scope=scope,
        as_of=as_of.date().isoformat(),
        options=options,
        model=model,
        vacancies=list(vacancy_ids),
        placements=state.placements,
        open_vacancies=state.open,
        chains=_chains(state.moves),
        baselines=baselines,
        units=units,
        binding_constraints=[en for en, _ in binding],
        binding_constraints_id=[id_ for _, id_ in binding],
        fairness=fairness,
        fairness_max_gap=_max_gaps(fairness),
        solver=", ".join(state.solvers) or "none",
        timings_s={k: round(v, 3) for k, v in timings.items()},
    )


def _explain_placed(
    scorer: VacancyScorer, scored: list[VacancyScores], placed: list[Placement]
) -> None:
    """Give the people placed in a round their reasons, in one batch (if the scorer can)."""
    explain = getattr(scorer, "explain", None)
    by_position = {s.position_id: s for s in scored}
    todo = [p for p in placed if by_position[p.position_id].values is not None and not p.reasons]
    if explain is None or not todo:
        return
    values = np.vstack([by_position[p.position_id].values[p.rank_on_shortlist - 1] for p in todo])
    for placement, reasons in zip(todo, explain(values), strict=True):
        placement.reasons = reasons


def _build_problem(
    scored: list[VacancyScores],
    people: _People,
    caps_left: np.ndarray | None,
) -> tuple[asg.AssignmentProblem, np.ndarray]:
    """Turn the scored vacancies of one round into a sparse assignment problem."""
    all_nips = [s.nips for s in scored if s.blocked is None]
    nips = np.unique(np.concatenate(all_nips)) if all_nips else np.array([], dtype=object)
    rows, cols, fits, asp = [], [], [], []
    for v, s in enumerate(scored):
        if s.blocked is not None or len(s.nips) == 0:
            continue
        rows.append(np.full(len(s.nips), v))
        cols.append(np.searchsorted(nips, s.nips))
        fits.append(np.asarray(s.fit, dtype=float))
        asp.append(np.zeros(len(s.nips)) if s.aspiration is None else s.aspiration)
    frame = people.frame.loc[nips] if len(nips) else people.frame.iloc[:0]
    empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
    problem = asg.AssignmentProblem(
        n_vacancies=len(scored),
        n_candidates=len(nips),
        rows=np.concatenate(rows).astype(np.int64) if rows else empty_i,
        cols=np.concatenate(cols).astype(np.int64) if cols else empty_i,
        fit=np.concatenate(fits) if fits else empty_f,
        aspiration=np.concatenate([np.asarray(a, dtype=float) for a in asp]) if asp else empty_f,
        candidate_unit=frame["_unit"].to_numpy(dtype=np.int64),
        unit_caps=caps_left,
        candidate_tenure=frame["_tenure"].to_numpy(dtype=float),
    )
    return problem, nips


def _baselines(
    problem: asg.AssignmentProblem, result: asg.Assignment, options: asg.AssignmentOptions
) -> Baselines:
    """Compare the optimum with greedy (campaign order) and independent top-1."""
    base = asg.greedy(problem, options)
    top1 = asg.independent_top1(problem, options)
    return Baselines(
        optimal_filled=result.filled,
        optimal_total_fit=round(result.total_fit, 6),
        greedy_filled=base.filled,
        greedy_total_fit=round(base.total_fit, 6),
        top1_filled=int((top1.candidate_of != asg.UNFILLED).sum()),
        top1_total_fit=round(top1.total_fit, 6),
        top1_double_booked_people=top1.double_booked_people,
        top1_conflicts=top1.conflicts,
    )


@dataclass
class _CampaignState:
    """What the rounds have decided so far."""

    moved: set[str] = field(default_factory=set)
    considered: set[str] = field(default_factory=set)
    placements: list[Placement] = field(default_factory=list)
    moves: list[asg.Move] = field(default_factory=list)
    open: list[OpenVacancy] = field(default_factory=list)
    solvers: list[str] = field(default_factory=list)

    def record(
        self,
        depth: int,
        scored: list[VacancyScores],
        problem: asg.AssignmentProblem,
        nips: np.ndarray,
        result: asg.Assignment,
        by_id: pd.DataFrame,
        people: _People,
        caps_left: np.ndarray | None,
    ) -> list[str]:
        """Store the round's placements; return the positions the moved people leave."""
        self.considered.update(str(n) for n in nips)
        opened: list[str] = []
        asp = _edge_lookup(problem, problem.aspiration)
        for v, c in enumerate(result.candidate_of):
            if c == asg.UNFILLED:
                continue
            s, nip = scored[v], str(nips[c])
            person = people.frame.loc[nip]
            position = by_id.loc[s.position_id]
            origin = str(person["current_position_id"]) or None
            unit = int(person["_unit"])
            if caps_left is not None and unit >= 0:
                caps_left[unit] -= 1
            self.moved.add(nip)
            rank = int(np.flatnonzero(s.nips == nip)[0]) + 1
            self.placements.append(
                Placement(
                    round=depth,
                    position_id=s.position_id,
                    position_title=str(position["title"]),
                    position_unit_id=str(position["unit_id"]),
                    nip=nip,
                    name=str(person["name"]),
                    from_position_id=origin,
                    from_unit_id=str(person["unit_id"]) or None,
                    fit=round(float(result.fit[v]), 6),
                    rank_on_shortlist=rank,
                    aspiration_match=round(asp.get((v, int(c)), 0.0), 3),
                    reasons=s.reasons.get(nip, []),
                )
            )
            self.moves.append(asg.Move(depth, s.position_id, nip, origin, float(result.fit[v])))
            if origin:
                opened.append(origin)
        return opened

    def explain_open(
        self,
        depth: int,
        scored: list[VacancyScores],
        problem: asg.AssignmentProblem,
        nips: np.ndarray,
        result: asg.Assignment,
        by_id: pd.DataFrame,
        people: _People,
        caps_left: np.ndarray | None,
        options: CampaignOptions,
    ) -> None:
        """Say for each vacancy left open which constraint binds."""
        for v, c in enumerate(result.candidate_of):
            if c != asg.UNFILLED:
                continue
            s = scored[v]
            reason, reason_id = _why_open(s, v, problem, nips, result, people, caps_left, options)
            self.open.append(
                OpenVacancy(
                    round=depth,
                    position_id=s.position_id,
                    position_title=str(by_id.loc[s.position_id, "title"]),
                    reason=reason,
                    reason_id=reason_id,
                )
            )


def _edge_lookup(problem: asg.AssignmentProblem, values: np.ndarray | None) -> dict:
    """(vacancy, candidate) -> value of that edge."""
    if values is None:
        return {}
    return {
        (int(r), int(c)): float(x)
        for r, c, x in zip(problem.rows, problem.cols, values, strict=True)
    }


def _why_open(
    s: VacancyScores,
    v: int,
    problem: asg.AssignmentProblem,
    nips: np.ndarray,
    result: asg.Assignment,
    people: _People,
    caps_left: np.ndarray | None,
    options: CampaignOptions,
) -> tuple[str, str]:
    """The binding constraint of one unfilled vacancy, in words (English, Indonesian)."""
    p = s.position_id
    if s.blocked is not None:
        return f"vacancy {p} is blocked: {s.blocked}", f"formasi {p} tertahan: {s.blocked}"
    if s.eligible_count == 0:
        ranked = sorted(s.excluded.items(), key=lambda kv: (-kv[1], kv[0]))
        fails = [(rule, n) for rule, n in ranked if n > 0][:5]
        en = ", ".join(f"{n} fail rule {rule}" for rule, n in fails) or "no candidate in the pool"
        id_ = ", ".join(f"{n} tidak lolos aturan {r}" for r, n in fails) or "tidak ada kandidat"
        return (
            f"vacancy {p} has no eligible candidate among {s.pool_size}: {en}",
            f"formasi {p} tanpa kandidat yang memenuhi syarat dari {s.pool_size} pegawai: {id_}",
        )
    cands = problem.cols[problem.rows == v]
    taken = np.isin(cands, result.candidate_of[result.candidate_of != asg.UNFILLED])
    parts = [(f"{int(taken.sum())} taken by other vacancies",
              f"{int(taken.sum())} diusulkan ke formasi lain")]  # fmt: skip
    if options.min_tenure_years is not None and problem.candidate_tenure is not None:
        tenure = problem.candidate_tenure[cands]
        short = int((np.isfinite(tenure) & (tenure < options.min_tenure_years)).sum())
        years = f"{options.min_tenure_years:g}"
        parts.append((f"{short} stay (less than {years} years in post)",
                      f"{short} tetap (kurang dari {years} tahun di jabatan)"))  # fmt: skip
    if caps_left is not None:
        units = problem.candidate_unit[cands]
        full = int(((units >= 0) & (caps_left[np.maximum(units, 0)] <= 0) & ~taken).sum())
        parts.append((f"{full} in units whose move cap is used up",
                      f"{full} di unit yang batas mutasinya sudah habis"))  # fmt: skip
    kept = len(s.nips)
    return (
        f"vacancy {p}: none of its {kept} best eligible candidates (of {s.eligible_count}) "
        "is free: " + ", ".join(en for en, _ in parts),
        f"formasi {p}: tidak satu pun dari {kept} kandidat terbaik (dari {s.eligible_count} "
        "yang memenuhi syarat) tersedia: " + ", ".join(id_ for _, id_ in parts),
    )


def _chains(moves: list[asg.Move]) -> list[list[str]]:
    """Vacancy chains as readable links, only those longer than one move."""
    out = []
    for chain in asg.build_chains(moves):
        if len(chain) < 2:
            continue
        out.append(
            [f"{m.position_id} <- {m.person} from {m.from_position_id or '-'}" for m in chain]
        )
    return out


def _units(
    placements: list[Placement],
    people: _People,
    caps: np.ndarray | None,
    wanted: dict[int, int],
) -> list[UnitLine]:
    """Staffing of every unit the campaign touches, before and after."""
    leaving: dict[str, int] = {}
    arriving: dict[str, int] = {}
    for p in placements:
        if p.from_unit_id:
            leaving[p.from_unit_id] = leaving.get(p.from_unit_id, 0) + 1
        arriving[p.position_unit_id] = arriving.get(p.position_unit_id, 0) + 1
    lines = []
    for unit in sorted(set(leaving) | set(arriving)):
        code = people.unit_codes.get_loc(unit)
        before = int(people.staff[code])
        out, into = leaving.get(unit, 0), arriving.get(unit, 0)
        lines.append(
            UnitLine(
                unit_id=unit,
                staff_before=before,
                leaving=out,
                arriving=into,
                staff_after=before - out + into,
                cap=None if caps is None else int(caps[code]),
                wanted=wanted.get(code) if caps is not None else None,
            )
        )
    return lines


def _binding(
    caps: np.ndarray | None, wanted: dict[int, int], people: _People, options: CampaignOptions
) -> list[tuple[str, str]]:
    """Unit caps that cut moves the unconstrained optimum wanted (English, Indonesian)."""
    if caps is None:
        return []
    lines = []
    share = f"{options.max_unit_share:.0%}"
    for code, want in sorted(wanted.items()):
        if want > caps[code]:
            unit, staff, cap = people.unit_codes[code], int(people.staff[code]), int(caps[code])
            lines.append(
                (
                    f"unit cap {share} of unit {unit} (staff {staff}) allows {cap} move(s), "
                    f"{want} wanted",
                    f"batas {share} unit {unit} (pegawai {staff}) membolehkan {cap} mutasi, "
                    f"{want} diinginkan",
                )
            )
    return lines


def age_band(birth: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Age band of each birth date on ``as_of`` (for the fairness audit only)."""
    birth = pd.to_datetime(birth)
    before_birthday = (birth.dt.month > as_of.month) | (
        (birth.dt.month == as_of.month) & (birth.dt.day > as_of.day)
    )
    age = as_of.year - birth.dt.year - before_birthday.astype(int)
    bands = pd.Series("unknown", index=birth.index, dtype=object)
    lower = -1
    for upper, label in AGE_BANDS:
        bands[(age > lower) & (age < upper)] = label
        lower = upper - 1
    return bands


def _fairness(
    considered: set[str], moved: set[str], employees: pd.DataFrame, as_of: pd.Timestamp
) -> list[FairnessGroup]:
    """Selection rates by gender and age band among the candidates considered (fairlearn)."""
    from fairlearn.metrics import MetricFrame, count, selection_rate

    if not considered:
        return []
    frame = employees.loc[sorted(considered)]
    selected = frame.index.isin(list(moved)).astype(int)
    groups = []
    sensitive = {
        "gender": frame["gender"].astype(str),
        "age_band": age_band(frame["birth_date"], as_of),
    }
    for attribute, values in sensitive.items():
        metrics = MetricFrame(
            metrics={"selection_rate": selection_rate, "count": count},
            y_true=selected,
            y_pred=selected,
            sensitive_features=pd.Series(values.to_numpy(), name=attribute),
        )
        table = metrics.by_group
        for group, row in table.iterrows():
            n = int(row["count"])
            groups.append(
                FairnessGroup(
                    attribute=attribute,
                    group=str(group),
                    considered=n,
                    selected=int(round(row["selection_rate"] * n)),
                    selection_rate=round(float(row["selection_rate"]), 4),
                )
            )
    return groups


def _max_gaps(groups: list[FairnessGroup]) -> dict[str, float]:
    """Largest difference in selection rate between groups of each attribute."""
    gaps: dict[str, float] = {}
    for attribute in {g.attribute for g in groups}:
        rates = [g.selection_rate for g in groups if g.attribute == attribute]
        gaps[attribute] = round(max(rates) - min(rates), 4) if len(rates) > 1 else 0.0
    return gaps


def render_text(report: CampaignReport) -> str:
    """The campaign as a readable report."""
    b = report.baselines
    lines = [
        f"Campaign {report.campaign_id or '(not stored)'}: {report.scope}, as of {report.as_of}",
        f"model {report.model}; solver {report.solver}; {len(report.vacancies)} vacancies; "
        f"chain depth {report.options.chain_depth}",
        "",
        "Optimum vs baselines (campaign vacancies):",
        f"  optimal assignment: {b.optimal_filled} filled, total fit {b.optimal_total_fit:.3f}",
        f"  greedy (campaign order): {b.greedy_filled} filled, total fit {b.greedy_total_fit:.3f}",
        f"  independent top-1: {b.top1_filled} picks, total fit {b.top1_total_fit:.3f}, "
        f"{b.top1_double_booked_people} people double-booked, "
        f"{b.top1_conflicts} conflicts avoided",
        "",
        f"Placements ({len(report.placements)}):",
    ]
    for p in report.placements:
        reasons = f"; {'; '.join(p.reasons[:3])}" if p.reasons else ""
        lines.append(
            f"  [r{p.round}] {p.position_id} {p.position_title} <- {p.nip} {p.name} "
            f"(from {p.from_position_id or '-'}, unit {p.from_unit_id or '-'}) "
            f"fit {p.fit:.3f}, #{p.rank_on_shortlist} on its list{reasons}"
        )
    if report.chains:
        lines += ["", "Vacancy chains:"] + ["  " + "  |  ".join(c) for c in report.chains]
    if report.open_vacancies:
        lines += ["", f"Left open ({len(report.open_vacancies)}):"]
        lines += [f"  [r{o.round}] {o.reason}" for o in report.open_vacancies]
    if report.binding_constraints:
        lines += ["", "Binding constraints:"] + [f"  {c}" for c in report.binding_constraints]
    lines += ["", "Units (staff before -> after, leaving/arriving, cap):"]
    for u in report.units:
        cap = "" if u.cap is None else f", cap {u.cap}, wanted {u.wanted or 0}"
        lines.append(
            f"  {u.unit_id}: {u.staff_before} -> {u.staff_after} (-{u.leaving}/+{u.arriving}{cap})"
        )
    lines += ["", "Fairness audit (selection rate among candidates considered):"]
    for g in report.fairness:
        lines.append(
            f"  {g.attribute}={g.group}: {g.selected}/{g.considered} = {g.selection_rate:.3f}"
        )
    for attribute, gap in sorted(report.fairness_max_gap.items()):
        lines.append(f"  largest gap in {attribute}: {gap:.3f}")
    t = report.timings_s
    lines += [
        "",
        f"time: scoring {t['scoring']:.2f}s, solving {t['solving']:.2f}s, total {t['total']:.2f}s",
    ]
    return "\n".join(lines)


CSV_COLUMNS: tuple[str, ...] = (
    "round", "position_id", "position_title", "position_unit_id", "status", "nip", "name",
    "from_position_id", "from_unit_id", "fit", "rank_on_shortlist", "aspiration_match",
    "reasons",
)  # fmt: skip


def render_csv(report: CampaignReport) -> str:
    """Placements and open vacancies as CSV, one row a position."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p in report.placements:
        row = p.model_dump()
        row["status"] = "PROPOSED"
        row["reasons"] = "; ".join(p.reasons)
        writer.writerow({k: row.get(k, "") for k in CSV_COLUMNS})
    for o in report.open_vacancies:
        writer.writerow(
            {"round": o.round, "position_id": o.position_id, "position_title": o.position_title,
             "status": "OPEN", "reasons": o.reason}
        )  # fmt: skip
    return out.getvalue()


class RankerScorer:
    """Scores vacancies exactly as a shortlist does, through the serving engine's one scoring
    path (features, hard rules, the champion's compiled scores), screened first.

    A campaign scores hundreds of vacancies against one agency's pool, most of them managerial
    posts that few people may hold. So the hard rules are applied in two cheap passes before
    the features are built: first the rules that read no features (status, PNS, education,
    rank, sanctions, age limit) over the whole pool, whose result vacancies with the same
    requirements share; then, over those who pass, the rules that read a few features (time in
    post, experience, performance), with only the feature families they read. The engine then
    builds every feature and scores only the people left. Eligibility and scores are the same
    as scoring the whole pool, since features are per person (tested). ``excluded`` counts the
    first pass's rules over the whole pool and the others over those who reached them.

    Parameters
    ----------
    engine : serving.engine.Engine
        The engine in use: export, precomputed pool for ``as_of``, champion and rule set.
    lang : {"id", "en"}
        Language of the reasons.
    """

    CACHE = 32
    """Pools kept between vacancies: agency pools minus the people moved, and screened pools."""

    def __init__(self, engine: Any, lang: str = "id") -> None:
        self.engine = engine
        self.bundle = engine.bundle
        self.as_of = engine.as_of
        self.lang = lang
        self._screening = engine.ruleset.screening()
        self._feature_screening = engine.ruleset.feature_screening()
        self._agency = engine.pool.employees["agency_id"].to_numpy()
        self._index = {str(n): i for i, n in enumerate(np.asarray(engine.pool.nips))}
        self._pools: dict[Any, Any] = {}

    def _cached(self, key: Any, make: Callable[[], Any]) -> Any:
        pool = self._pools.get(key)
        if pool is None:
            if len(self._pools) >= self.CACHE:
                self._pools.clear()  # safe while another request's campaign reads it
            pool = self._pools[key] = make()
        return pool

    def _agency_pool(self, agency_id: str, exclude: frozenset[str]) -> Any:
        """The agency's candidates minus ``exclude``."""
        from features.candidates import subset

        def make() -> Any:
            mask = self._agency == agency_id
            if exclude:
                mask[[self._index[n] for n in exclude if n in self._index]] = False
            return self.engine.pool if mask.all() else subset(self.engine.pool, mask)

        return self._cached(("agency", agency_id, exclude), make)

    def _screened(
        self, agency_id: str, exclude: frozenset[str], position: Mapping[str, Any]
    ) -> tuple[Any, dict[str, int]]:
        """The people of the pool who pass the screening rules, and what each rule excluded."""
        from features.candidates import subset
        from features.rules import evaluate_rules

        pool = self._agency_pool(agency_id, exclude)
        no_features = pd.DataFrame(index=pd.Index(pool.nips, name="nip"))
        screen = evaluate_rules(pool, position, no_features, self.as_of, self._screening)
        passed = np.asarray(screen.eligible, dtype=bool)
        key = ("screened", agency_id, exclude, hashlib.sha1(np.packbits(passed)).hexdigest())
        survivors = self._cached(key, lambda: pool if passed.all() else subset(pool, passed))
        return survivors, dict(screen.excluded_counts)

    def _feature_screened(self, pool: Any, position: Mapping[str, Any]) -> tuple[Any, Any]:
        """Those of ``pool`` who pass the hard rules that read features, and that verdict."""
        from features.build import build_columns
        from features.candidates import subset
        from features.rules import evaluate_rules

        rules = self._feature_screening
        columns = build_columns(pool, position, self.as_of, rules.features_read())
        verdict = evaluate_rules(pool, position, columns, self.as_of, rules)
        passed = np.asarray(verdict.eligible, dtype=bool)
        return (pool if passed.all() else subset(pool, passed)), verdict

    def score(
        self, position: Mapping[str, Any], exclude: Collection[str], top_n: int
    ) -> VacancyScores:
        """Score ``position`` against its agency's pool minus ``exclude``; keep the top-N."""
        agency, moved = str(position["agency_id"]), frozenset(exclude)
        screened, excluded = self._screened(agency, moved, position)
        survivors, second = self._feature_screened(screened, position)
        scored = self.engine.score(survivors, position)
        verdict = scored.verdict
        for counts in (second.excluded_counts, verdict.excluded_counts):
            for rule_id, count in counts.items():
                excluded.setdefault(rule_id, count)
        blocked = verdict.vacancy_flags[0].message(self.lang) if verdict.frozen else None
        order = asg.top_n_eligible(scored.scores, np.ones(len(scored.eligible), dtype=bool), top_n)
        rows = scored.eligible[order]
        return VacancyScores(
            position_id=str(position["position_id"]),
            nips=np.asarray(scored.pool.nips, dtype=object)[rows],
            fit=scored.scores[order],
            eligible_count=len(scored.eligible),
            pool_size=len(self._agency_pool(agency, moved)),
            excluded={r.id: excluded[r.id] for r in verdict.results.values() if r.id in excluded},
            blocked=blocked,
            aspiration=_aspiration(scored.features.iloc[rows]).to_numpy(dtype=float),
            values=scored.matrix[rows],
        )

    def explain(self, values: np.ndarray) -> list[list[str]]:
        """The main positive factors of each row's score, in words (as in shortlists)."""
        from serving import explain

        if len(values) == 0:
            return []
        columns = list(self.bundle.feature_columns)
        contrib = self.engine.predictor.contributions(values)[:, :-1]
        return [
            explain.reasons(columns, values[i], contrib[i], self.lang)["positive"]
            for i in range(len(values))
        ]


def _aspiration(features: pd.DataFrame) -> pd.Series:
    """The strongest aspiration match per candidate: job family or unit (0 when absent)."""
    columns = [c for c in ("aspires_job_family", "aspires_unit") if c in features.columns]
    if not columns:
        return pd.Series(0.0, index=features.index)
    return features[columns].max(axis=1).fillna(0.0).clip(0.0, 1.0)


def run_campaign(
    export: Any,
    scorer: VacancyScorer,
    *,
    position_ids: Sequence[str] | None,
    agency_id: str | None,
    options: CampaignOptions,
    model: str,
) -> CampaignReport:
    """Resolve the scope and plan the campaign (the entry point the CLI and the API share)."""
    ids = resolve_vacancies(export.positions, position_ids, agency_id)
    scope = f"agency {agency_id}" if agency_id is not None else f"{len(ids)} listed position(s)"
    logger.info("campaign over %d vacancies (%s)", len(ids), scope)
    return plan_campaign(
        vacancy_ids=ids,
        positions=export.positions,
        employees=export.employees,
        scorer=scorer,
        options=options,
        scope=scope,
        model=model,
    )


def run_campaign_cli(data_dir: Any, positions: str | None, agency: str | None) -> str:
    """``python -m serving campaign``: load the export and the champion, print the report."""
    from pathlib import Path

    from features.loader import load_export
    from serving.engine import Engine
    from serving.settings import get_service_settings as get_settings
    from training.bundle import load_champion

    settings = get_settings()
    position_ids = None
    if positions is not None:
        position_ids = [p.strip() for p in positions.split(",") if p.strip()]
    export = load_export(Path(data_dir))
    bundle = load_champion(settings)
    scorer = RankerScorer(Engine.build(export, bundle, settings))
    report = run_campaign(
        export,
        scorer,
        position_ids=position_ids,
        agency_id=agency,
        options=CampaignOptions(),
        model=f"{bundle.name} v{bundle.version}",
    )
    return report.to_text()


def render_pdf(report: CampaignReport) -> bytes:
    """The text report as a PDF (fpdf2, monospaced core font) for the committee's file."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Courier", size=7.5)
    for line in render_text(report).splitlines():
        safe = line.encode("latin-1", errors="replace").decode("latin-1")
        pdf.multi_cell(0, 3.6, safe or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class CampaignForbidden(CampaignError):
    """The caller may not run or read a campaign over these vacancies (HTTP 403)."""

    status_code = 403


def authorize_scope(
    role: str, agency: str | None, vacancy_ids: Sequence[str], positions: pd.DataFrame
) -> str:
    """Check that ``role``/``agency`` may run a campaign over ``vacancy_ids``; return its agency.

    Admins may run any campaign; a committee only over vacancies of its own agency (all of
    them in one agency). Nobody else may.
    """
    agencies = sorted(set(positions.set_index("position_id").loc[list(vacancy_ids), "agency_id"]))
    if role == "admin":
        return agencies[0] if len(agencies) == 1 else "*"
    if role != "committee":
        raise CampaignForbidden("only an admin or a selection committee may run a campaign")
    if len(agencies) != 1 or agencies[0] != agency:
        raise CampaignForbidden(
            "a committee may run campaigns only over its own agency's vacancies"
        )
    return agencies[0]


def campaign_table(metadata: Any) -> Any:
    """The ``campaigns`` table (created by the Alembic revision ``campaigns``) on ``metadata``."""
    import sqlalchemy as sa

    if "campaigns" in metadata.tables:
        return metadata.tables["campaigns"]
    return sa.Table(
        "campaigns",
        metadata,
        sa.Column("campaign_id", sa.String(36), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False, index=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("vacancies", sa.Integer, nullable=False),
        sa.Column("report_json", sa.Text, nullable=False),
    )


def save_campaign(connection: Any, table: Any, report: CampaignReport, agency_id: str,
                  created_by: str) -> CampaignReport:  # fmt: skip
    """Store ``report`` under a new id; return it with its ``campaign_id`` set."""
    import uuid
    from datetime import UTC, datetime

    stored = report.model_copy(update={"campaign_id": str(uuid.uuid4())})
    connection.execute(
        table.insert().values(
            campaign_id=stored.campaign_id,
            created_at=datetime.now(UTC),
            agency_id=agency_id,
            created_by=created_by,
            vacancies=len(stored.vacancies),
            report_json=stored.model_dump_json(),
        )
    )
    return stored


def load_campaign(connection: Any, table: Any, campaign_id: str) -> tuple[CampaignReport, str]:
    """The stored campaign ``campaign_id`` and its agency.

    Raises
    ------
    CampaignNotFound
    """
    row = connection.execute(table.select().where(table.c.campaign_id == campaign_id)).one_or_none()
    if row is None:
        raise CampaignNotFound(f"no campaign {campaign_id!r}")
    return CampaignReport.model_validate_json(row.report_json), row.agency_id


@dataclass(frozen=True)
class CampaignRuntime:
    """What the HTTP edge needs to run campaigns (set on ``app.state.campaigns``).

    Attributes
    ----------
    export : features.export.Export
    scorer : VacancyScorer
        Usually :class:`RankerScorer` over the engine's champion and precomputed pool.
    model : str
        The champion's name and version, recorded in every report.
    db : sqlalchemy.engine.Engine
    table : sqlalchemy.Table
        :func:`campaign_table` on the service's metadata.
    """

    export: Any
    scorer: VacancyScorer
    model: str
    db: Any
    table: Any
