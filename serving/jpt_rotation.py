"""Job-fit rotation (*uji kesesuaian*) of an agency's JPT holders among its JPT posts.

Among the agency's holders of a JPT post (Pratama, Madya, Utama) and its JPT posts (held or
vacant): who may be moved (time in post, :class:`TenureLimits`), each holder's fit for each
post (the ranker through :meth:`serving.engine.Engine.score`, the hard rules as for any
shortlist), and the assignment that maximises total fit with every holder placed exactly once.
Staying in post is always an option: the holder's own post is an edge of every holder, so a
full placement always exists, and each plan row says why the holder stays or moves.

The solve is the campaign solver (:func:`serving.assignment.solve`) with ``fill_priority``:
posts are the vacancies, holders the candidates. Because every holder has the stay edge, the
largest matchings place every holder, and among them the solver returns the highest total fit.

A job-fit selection's panel results (``serving/selections``) enter as a constraint (a holder
moves only to a post for which the panel passed them) or as a weight (the panel's final score,
scaled to fit units, added to that pair). The pure part (:func:`solve_rotation`) knows nothing
of HTTP, databases or the engine: arrays in, a plan out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from features import i18n
from features.candidates import subset
from features.errors import ConflictError, JobfitError, NotFoundError
from serving import assignment
from serving.selections import service as selections

JPT_TYPES: tuple[str, ...] = ("JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA")
DAYS_PER_YEAR = 365.25
PANEL_MODES: tuple[str, ...] = ("off", "constraint", "weight")


class RotationError(JobfitError):
    """The rotation cannot be planned as asked (no JPT holders, a bad option)."""


@dataclass(frozen=True)
class TenureLimits:
    """Time in post that admits a JPT holder to a job-fit rotation.

    PermenPANRB 15/2019 (uji kesesuaian): a JPT holder who has served at least two and at most
    five years in the post; PP 11/2017 jo. PP 17/2020: no move before two years in a JPT post;
    UU 20/2023: a JPT post is held for at most five years, then evaluated (extension or open
    selection). An agency may tighten them; they are parameters, not constants of the solve.
    """

    min_years: float = 2.0
    max_years: float = 5.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_years <= self.max_years:
            raise RotationError("tenure limits: 0 <= min_years <= max_years")

    def check_statutory(self) -> None:
        """Raise unless the limits lie inside the statutory window (an agency may only tighten)."""
        floor, ceiling = STATUTORY.min_years, STATUTORY.max_years
        if self.min_years < floor or self.max_years > ceiling:
            raise RotationError(
                f"min_years must be at least {floor:g} and max_years at most {ceiling:g} "
                "(PermenPANRB 15/2019: a job-fit test for two to five years in post)"
            )


STATUTORY = TenureLimits()
"""The statutory window: two to five years in post."""


@dataclass(frozen=True)
class RotationProblem:
    """The agency's JPT posts and holders with the fit of every (post, holder) pair.

    Attributes
    ----------
    posts : tuple of str
        Position ids of the JPT posts (held or vacant).
    nips : tuple of str
        The holders.
    home : numpy.ndarray
        Per holder, the index in ``posts`` of the post they hold now.
    fit : numpy.ndarray
        (posts, holders) ranker score of each pair (finite everywhere).
    eligible : numpy.ndarray
        (posts, holders) the pair passes every hard rule.
    tenure : numpy.ndarray
        Per holder, years in the current post (NaN: unknown).
    """

    posts: tuple[str, ...]
    nips: tuple[str, ...]
    home: np.ndarray
    fit: np.ndarray
    eligible: np.ndarray
    tenure: np.ndarray

    def __post_init__(self) -> None:
        shape = (len(self.posts), len(self.nips))
        if self.fit.shape != shape or self.eligible.shape != shape:
            raise RotationError("fit and eligible must be (posts, holders)")
        if self.home.shape != (len(self.nips),) or self.tenure.shape != (len(self.nips),):
            raise RotationError("home and tenure need one value per holder")
        if len(self.nips) and (self.home.min() < 0 or self.home.max() >= len(self.posts)):
            raise RotationError("every holder's home post must be one of the posts")
        if len(set(self.home.tolist())) != len(self.nips):
            raise RotationError("two holders cannot hold the same post")
        if not np.all(np.isfinite(self.fit)):
            raise RotationError("fit must be finite")


@dataclass(frozen=True)
class PanelInput:
    """A job-fit selection's results: pairs the panel passed and their final score (0-100).

    ``mode`` ``constraint``: a holder moves only to a post the panel passed them for;
    ``weight``: every eligible pair stays usable and a passed pair gains
    ``weight * score / 100`` fit units.
    """

    passed: Mapping[tuple[str, str], float]
    """(position_id, nip) -> the panel's final score."""
    mode: str = "constraint"
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.mode not in PANEL_MODES[1:]:
            raise RotationError("panel mode must be constraint or weight")
        if not np.isfinite(self.weight) or self.weight < 0:
            raise RotationError("panel weight must be a finite number >= 0")


@dataclass(frozen=True)
class Placement:
    """Where one holder goes and why (codes, worded at the edge)."""

    nip: str
    home: str
    post: str
    stays: bool
    reason: str
    """``moved``, ``moved_panel`` (moved although the model's fit is lower than at home: the
    panel's weight decided), ``best_fit`` (staying is the optimum), ``short_tenure``,
    ``long_tenure``, ``tenure_unknown``, ``no_other_post`` (no other post passes the hard rules
    or the panel)."""
    fit: float
    stay_fit: float
    tenure_years: float | None


@dataclass(frozen=True)
class RotationPlan:
    """The optimal placement of every holder, and what it adds over everyone staying."""

    placements: tuple[Placement, ...]
    total_fit: float
    stay_total: float
    method: str

    @property
    def moves(self) -> int:
        """How many holders change post."""
        return sum(not p.stays for p in self.placements)


def movable(tenure: np.ndarray, limits: TenureLimits) -> np.ndarray:
    """Holders whose time in post admits them to the job-fit test (unknown: no)."""
    tenure = np.asarray(tenure, dtype=float)
    known = np.isfinite(tenure)
    safe = np.where(known, tenure, 0.0)
    return known & (safe >= limits.min_years) & (safe <= limits.max_years)


def allowed_pairs(
    problem: RotationProblem, limits: TenureLimits, panel: PanelInput | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The usable (post, holder) pairs and their weights.

    A holder's own post is always usable (staying in post). Another post is usable when the
    holder may move (tenure), the pair passes every hard rule and, under a panel constraint,
    the panel passed the holder for that post.
    """
    n_posts, n_holders = problem.fit.shape
    cols = np.arange(n_holders)
    usable = problem.eligible & movable(problem.tenure, limits)[None, :]
    weight = problem.fit.astype(float).copy()
    if panel is not None:
        passed = np.zeros_like(usable)
        for (post, nip), score in panel.passed.items():
            if post in problem.posts and nip in problem.nips:
                p, h = problem.posts.index(post), problem.nips.index(nip)
                passed[p, h] = True
                if panel.mode == "weight":
                    weight[p, h] += panel.weight * float(score) / 100.0
        if panel.mode == "constraint":
            usable &= passed
    usable[problem.home, cols] = True
    return usable, weight


def solve_rotation(
    problem: RotationProblem, limits: TenureLimits, panel: PanelInput | None = None
) -> RotationPlan:
    """Every holder placed once, the total weight of the placement at its maximum."""
    usable, weight = allowed_pairs(problem, limits, panel)
    n_posts, n_holders = usable.shape
    rows, cols = np.nonzero(usable)
    sparse = assignment.AssignmentProblem(
        n_vacancies=n_posts, n_candidates=n_holders, rows=rows, cols=cols, fit=weight[rows, cols]
    )
    solved = assignment.solve(sparse, assignment.AssignmentOptions(aspiration_mode="off"))
    post_of = np.full(n_holders, -1)
    for v, c in enumerate(solved.candidate_of):
        if c != assignment.UNFILLED:
            post_of[c] = v
    if np.any(post_of < 0):  # cannot happen: the stay edges make a full placement
        raise RotationError("the solver left a holder without a post")
    placements = tuple(
        _placement(problem, limits, usable, h, int(post_of[h])) for h in range(n_holders)
    )
    return RotationPlan(
        placements=placements,
        total_fit=float(weight[post_of, np.arange(n_holders)].sum()),
        stay_total=float(weight[problem.home, np.arange(n_holders)].sum()),
        method=solved.method,
    )


def _placement(
    problem: RotationProblem, limits: TenureLimits, usable: np.ndarray, h: int, post: int
) -> Placement:
    home = int(problem.home[h])
    tenure = float(problem.tenure[h])
    stays = post == home
    return Placement(
        nip=problem.nips[h],
        home=problem.posts[home],
        post=problem.posts[post],
        stays=stays,
        reason=_reason(tenure, limits, usable[:, h], home) if stays else _moved(problem, h, post),
        fit=round(float(problem.fit[post, h]), 6),
        stay_fit=round(float(problem.fit[home, h]), 6),
        tenure_years=round(tenure, 2) if np.isfinite(tenure) else None,
    )


def _moved(problem: RotationProblem, h: int, post: int) -> str:
    lower = problem.fit[post, h] < problem.fit[int(problem.home[h]), h]
    return "moved_panel" if lower else "moved"


def _reason(tenure: float, limits: TenureLimits, usable: np.ndarray, home: int) -> str:
    if not np.isfinite(tenure):
        return "tenure_unknown"
    if tenure < limits.min_years:
        return "short_tenure"
    if tenure > limits.max_years:
        return "long_tenure"
    if usable.sum() <= 1:
        return "no_other_post"
    return "best_fit"


# -- from the engine ----------------------------------------------------------------------


def tenure_years(since: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Years between each ``position_since`` and ``as_of`` (NaN where unknown)."""
    days = (as_of - pd.to_datetime(since, errors="coerce")).dt.days
    return (days / DAYS_PER_YEAR).to_numpy(dtype=float)


def jpt_posts(positions: pd.DataFrame, agency_id: str) -> pd.DataFrame:
    """The agency's JPT posts, by position id."""
    mask = (positions["agency_id"] == agency_id) & positions["position_type"].isin(JPT_TYPES)
    return positions.loc[mask].sort_values("position_id").reset_index(drop=True)


def build_problem(engine: Any, agency_id: str) -> RotationProblem:
    """The rotation problem of ``agency_id`` from the engine's export and model.

    Raises NotFoundError when the agency has no active holder of a JPT post.
    """
    posts = jpt_posts(engine.export.positions, agency_id)
    ids = posts["position_id"].astype(str).tolist()
    staff = engine.pool.employees
    rows = np.flatnonzero(staff["current_position_id"].isin(ids).to_numpy())
    if len(rows) == 0:
        raise NotFoundError("no JPT holders in this agency")
    pool = subset(engine.pool, rows)
    holders = pool.employees
    fit = np.zeros((len(ids), len(rows)))
    eligible = np.zeros((len(ids), len(rows)), dtype=bool)
    for p, position in enumerate(posts.to_dict("records")):
        scored = engine.score(pool, position)
        fit[p] = engine.predictor.scores(scored.matrix)
        eligible[p] = np.asarray(scored.verdict.eligible, dtype=bool)
    return RotationProblem(
        posts=tuple(ids),
        nips=tuple(holders["nip"].astype(str)),
        home=np.array([ids.index(str(x)) for x in holders["current_position_id"]]),
        fit=fit,
        eligible=eligible,
        tenure=tenure_years(holders["position_since"], engine.as_of),
    )


# -- the panel's results and the report ------------------------------------------------------


def panel_input(whole: Mapping[str, Any], agency_id: str, mode: str, weight: float) -> PanelInput:
    """The passed pairs of a job-fit selection of ``agency_id`` whose stages are all announced.

    Raises ConflictError when the selection is not a job-fit test of this agency or its panel
    has not announced every stage (the rotation would otherwise move nobody without saying why).
    """
    if whole["kind"] != "jobfit" or whole["agency_id"] != agency_id:
        raise ConflictError("the selection is not a job-fit test of this agency")
    if selections.current_stage(whole) is not None:
        raise ConflictError("the selection's stages are not all announced yet")
    passed = {
        (post["position_id"], row["nip"]): float(row["score"] or 0.0)
        for post in whole["posts"]
        for row in selections.panel_ranking(whole, post["position_id"])
    }
    return PanelInput(passed=passed, mode=mode, weight=weight)


def report(
    engine: Any,
    agency_id: str,
    limits: TenureLimits,
    panel: PanelInput | None,
    lang: str,
    selection_id: str | None = None,
) -> dict[str, Any]:
    """The plan of ``agency_id`` with its words: posts, every holder's placement and options."""
    problem = build_problem(engine, agency_id)
    plan = solve_rotation(problem, limits, panel)
    usable, weight = allowed_pairs(problem, limits, panel)
    titles = _titles(engine.export.positions, problem.posts)
    names = dict(zip(engine.pool.employees["nip"], engine.pool.employees["name"], strict=True))
    words = i18n.section("rotation.reasons", lang)
    appointed = appointments(engine.export.jpt_selections)
    rows = []
    for h, placed in enumerate(plan.placements):
        options = [
            {
                "position_id": post,
                "title": titles[post],
                "fit": round(float(problem.fit[p, h]), 4),
                "weight": round(float(weight[p, h]), 4),
                "eligible": bool(problem.eligible[p, h]),
                "usable": bool(usable[p, h]),
                "panel_passed": panel is not None and (post, placed.nip) in panel.passed,
                "chosen": post == placed.post,
                "home": p == int(problem.home[h]),
            }
            for p, post in enumerate(problem.posts)
        ]
        rows.append(
            {
                **asdict(placed),
                "name": str(names.get(placed.nip, placed.nip)),
                "home_title": titles[placed.home],
                "post_title": titles[placed.post],
                "gain": round(placed.fit - placed.stay_fit, 4),
                "weight": round(float(weight[problem.posts.index(placed.post), h]), 4),
                "reason_text": i18n.fill(
                    words[placed.reason],
                    min_years=f"{limits.min_years:g}",
                    max_years=f"{limits.max_years:g}",
                ),
                "options": options,
                "appointed": appointed.get((placed.nip, placed.home)),
            }
        )
    held = {problem.posts[int(p)] for p in problem.home}
    return {
        "agency_id": agency_id,
        "as_of": engine.as_of.date().isoformat(),
        "limits": {"min_years": limits.min_years, "max_years": limits.max_years},
        "panel": None
        if panel is None
        else {
            "selection_id": selection_id,
            "mode": panel.mode,
            "weight": panel.weight,
            "passed_pairs": len(panel.passed),
        },  # fmt: skip
        "method": plan.method,
        "total_fit": round(plan.total_fit, 4),
        "stay_total": round(plan.stay_total, 4),
        "moves": plan.moves,
        "posts": [
            {"position_id": p, "title": titles[p], "vacant": p not in held} for p in problem.posts
        ],
        "placements": rows,
    }


def appointments(history: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """(nip, post) -> the latest past selection that appointed them (export ``jpt_selections``):
    its id, kind, decision date, their place among the names proposed and how many entered."""
    if history.empty:
        return {}
    entrants = history.groupby("selection_id")["nip"].nunique()
    chosen = history.loc[history["chosen"]].drop_duplicates("selection_id")
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in chosen.sort_values("decided_on").itertuples(index=False):
        out[(str(row.nip), str(row.position_id))] = {
            "selection_id": str(row.selection_id),
            "kind": str(row.kind),
            "decided_on": pd.Timestamp(row.decided_on).date().isoformat(),
            "proposed_rank": int(row.proposed_rank),
            "entrants": int(entrants[row.selection_id]),
        }
    return out


def _titles(positions: pd.DataFrame, ids: tuple[str, ...]) -> dict[str, str]:
    rows = positions.loc[positions["position_id"].isin(list(ids))]
    return {str(i): str(t) for i, t in zip(rows["position_id"], rows["title"], strict=True)}
