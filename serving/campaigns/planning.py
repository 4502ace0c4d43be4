"""Planning a campaign: its vacancies, rounds of optimal assignment, and what explains them.

Each round scores its vacancies (:mod:`.scoring`), assigns people optimally
(:mod:`serving.assignment`) and opens the posts the people moved leave; the next round refills
them (vacancy chains). The report compares the optimum with greedy and independent top-1,
shows each unit's staffing, audits selection rates by gender and age band (protected attributes
are read only for this audit), and says for every vacancy left open which constraint binds, as
codes with parameters (:class:`.models.Said`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, count, selection_rate

from features.export import Export
from features.ordinals import age_bands
from serving import assignment as asg
from serving.campaigns.models import (
    MAX_VACANCIES,
    AgencyPanel,
    AgencyScope,
    Baselines,
    CampaignError,
    CampaignNotFound,
    CampaignOptions,
    CampaignReport,
    ChainLink,
    FairnessGroup,
    ListedScope,
    OpenVacancy,
    Placement,
    Said,
    Scope,
    UnitLine,
)
from serving.campaigns.scoring import VacancyScorer, VacancyScores
from serving.fairness import PanelRules, panel, protected_groups
from serving.schemas import FairnessPanel

logger = logging.getLogger(__name__)


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
            raise CampaignNotFound(f"{len(unknown)} unknown position id(s)")
        filled = [p for p in ids if not bool(known.at[p, "is_vacant"])]
        if filled:
            raise CampaignError(f"position(s) not vacant: {', '.join(filled[:20])}")
    else:
        of_agency = positions[positions["agency_id"] == agency_id]
        if of_agency.empty:
            raise CampaignNotFound("no such agency")
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
    panel_rules: PanelRules | None = None,
    vacancy_ids: Sequence[str],
    positions: pd.DataFrame,
    employees: pd.DataFrame,
    scorer: VacancyScorer,
    options: CampaignOptions,
    scope: Scope,
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
    scope : AgencyScope or ListedScope
        What was asked for, recorded in the report.
    model : str
        Which model scored it ("name vN"), recorded in the report.
    panel_rules : serving.fairness.PanelRules, optional
        The fairness panel's thresholds; without them the report has no panels.

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
        state.explain_open(depth, scored, problem, result, by_id, caps_left, options)
        round_ids = [p for p in opened if p in by_id.index and p not in in_campaign]
        in_campaign.update(round_ids)
        if result.method not in state.solvers:
            state.solvers.append(result.method)
    units = _units(state.placements, people, caps, wanted)
    binding = _binding(caps, wanted, people, options)
    fairness = _fairness(state.considered, state.moved, people.frame, as_of)
    panels = _panels(state, people.frame, as_of, panel_rules)
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
        binding_constraints=binding,
        fairness=fairness,
        fairness_max_gap=_max_gaps(fairness),
        fairness_panels=panels,
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
    listed_by_agency: dict[str, set[str]] = field(default_factory=dict)
    """Per agency, the people on its vacancies' lists (the fairness panel's pool)."""
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
        for s in scored:
            agency = str(by_id.at[s.position_id, "agency_id"])
            self.listed_by_agency.setdefault(agency, set()).update(str(n) for n in s.nips)
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
        result: asg.Assignment,
        by_id: pd.DataFrame,
        caps_left: np.ndarray | None,
        options: CampaignOptions,
    ) -> None:
        """Say for each vacancy left open which constraint binds."""
        for v, c in enumerate(result.candidate_of):
            if c != asg.UNFILLED:
                continue
            s = scored[v]
            self.open.append(
                OpenVacancy(
                    round=depth,
                    position_id=s.position_id,
                    position_title=str(by_id.loc[s.position_id, "title"]),
                    reason=_why_open(s, v, problem, result, caps_left, options),
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
    result: asg.Assignment,
    caps_left: np.ndarray | None,
    options: CampaignOptions,
) -> Said:
    """The binding constraint of one unfilled vacancy (``campaign.open.<code>``)."""
    p = s.position_id
    if s.blocked is not None:
        return Said(code="open.blocked", params={"position_id": p, "flag": s.blocked})
    if s.eligible_count == 0:
        ranked = sorted(s.excluded.items(), key=lambda kv: (-kv[1], kv[0]))
        fails = [
            Said(code="open.fail_rule", params={"count": n, "rule_id": rule})
            for rule, n in ranked
            if n > 0
        ][:5]
        return Said(
            code="open.no_eligible",
            params={"position_id": p, "pool_size": s.pool_size},
            parts=fails or [Said(code="open.no_candidate")],
        )
    cands = problem.cols[problem.rows == v]
    taken = np.isin(cands, result.candidate_of[result.candidate_of != asg.UNFILLED])
    parts = [Said(code="open.taken", params={"count": int(taken.sum())})]
    if options.min_tenure_years is not None and problem.candidate_tenure is not None:
        tenure = problem.candidate_tenure[cands]
        short = int((np.isfinite(tenure) & (tenure < options.min_tenure_years)).sum())
        parts.append(
            Said(
                code="open.short_tenure",
                params={"count": short, "years": float(options.min_tenure_years)},
            )
        )
    if caps_left is not None:
        units = problem.candidate_unit[cands]
        full = int(((units >= 0) & (caps_left[np.maximum(units, 0)] <= 0) & ~taken).sum())
        parts.append(Said(code="open.cap_used", params={"count": full}))
    return Said(
        code="open.none_free",
        params={"position_id": p, "kept": len(s.nips), "eligible": s.eligible_count},
        parts=parts,
    )


def _chains(moves: list[asg.Move]) -> list[list[ChainLink]]:
    """Vacancy chains longer than one move, each a list of links."""
    return [
        [
            ChainLink(
                position_id=m.position_id, nip=m.person, origin_position_id=m.from_position_id
            )
            for m in chain
        ]
        for chain in asg.build_chains(moves)
        if len(chain) >= 2
    ]


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
) -> list[Said]:
    """Unit caps that cut moves the unconstrained optimum wanted (``campaign.binding.unit_cap``)."""
    if caps is None:
        return []
    return [
        Said(
            code="binding.unit_cap",
            params={
                "share": float(options.max_unit_share or 0.0),
                "unit_id": str(people.unit_codes[code]),
                "staff": int(people.staff[code]),
                "cap": int(caps[code]),
                "wanted": int(want),
            },
        )
        for code, want in sorted(wanted.items())
        if want > caps[code]
    ]


def _fairness(
    considered: set[str], moved: set[str], employees: pd.DataFrame, as_of: pd.Timestamp
) -> list[FairnessGroup]:
    """Selection rates by gender and age band among the candidates considered (fairlearn)."""
    if not considered:
        return []
    frame = employees.loc[sorted(considered)]
    selected = frame.index.isin(list(moved)).astype(int)
    groups = []
    sensitive = {
        "gender": frame["gender"].astype(str),
        "age_band": pd.Series(age_bands(frame["birth_date"], as_of), index=frame.index),
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


def _panels(
    state: _CampaignState, employees: pd.DataFrame, as_of: pd.Timestamp, rules: PanelRules | None
) -> list[AgencyPanel]:
    """Per agency of the vacancies: the people moved against those on its vacancies' lists
    (serving.fairness)."""
    if rules is None:
        return []
    panels = []
    for agency, listed in sorted(state.listed_by_agency.items()):
        pool = employees.loc[sorted(listed)]
        selected = pool.index.isin(list(state.moved))
        body = panel(protected_groups(pool, as_of), selected, rules, kind="campaign")
        panels.append(AgencyPanel(agency_id=agency, panel=FairnessPanel.model_validate(body)))
    return panels


def _max_gaps(groups: list[FairnessGroup]) -> dict[str, float]:
    """Largest difference in selection rate between groups of each attribute."""
    gaps: dict[str, float] = {}
    for attribute in {g.attribute for g in groups}:
        rates = [g.selection_rate for g in groups if g.attribute == attribute]
        gaps[attribute] = round(max(rates) - min(rates), 4) if len(rates) > 1 else 0.0
    return gaps


def run_campaign(
    export: Export,
    scorer: VacancyScorer,
    *,
    position_ids: Sequence[str] | None,
    agency_id: str | None,
    options: CampaignOptions,
    model: str,
    panel_rules: PanelRules | None = None,
) -> CampaignReport:
    """Resolve the scope and plan the campaign (the entry point the CLI and the API share)."""
    ids = resolve_vacancies(export.positions, position_ids, agency_id)
    scope: Scope = (
        ListedScope(count=len(ids)) if agency_id is None else AgencyScope(agency_id=agency_id)
    )
    logger.info("campaign over %d vacancies (%s)", len(ids), scope.kind)
    return plan_campaign(
        vacancy_ids=ids,
        positions=export.positions,
        employees=export.employees,
        scorer=scorer,
        options=options,
        scope=scope,
        model=model,
        panel_rules=panel_rules,
    )
