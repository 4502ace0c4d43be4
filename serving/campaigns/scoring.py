"""Scoring one vacancy against its candidate pool, as a shortlist does, for a campaign.

:class:`RankerScorer` goes through the serving engine's one scoring path (features, hard
rules, the champion's scores) and keeps its candidates with the project's one top-k
(:func:`features.ranking.top_k`: best first, ties by NIP), so a placement's rank on its list is
its rank on the vacancy's shortlist. Planning only needs the :class:`VacancyScorer` protocol.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from features.build import build_columns
from features.candidates import CandidatePool, subset
from features.ranking import top_k
from features.rules import Eligibility, evaluate_rules
from serving import explain
from serving.engine import Engine


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
    engine : Engine
        The engine in use: export, precomputed pool for ``as_of``, champion and rule set.
    lang : {"id", "en"}
        Language of the reasons.
    """

    CACHE = 32
    """Pools kept between vacancies: agency pools minus the people moved, and screened pools."""

    def __init__(self, engine: Engine, lang: str = "id") -> None:
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

    def _agency_pool(self, agency_id: str, exclude: frozenset[str]) -> CandidatePool:
        """The agency's candidates minus ``exclude``."""

        def make() -> CandidatePool:
            mask = self._agency == agency_id
            if exclude:
                mask[[self._index[n] for n in exclude if n in self._index]] = False
            return self.engine.pool if mask.all() else subset(self.engine.pool, mask)

        return self._cached(("agency", agency_id, exclude), make)

    def _screened(
        self, agency_id: str, exclude: frozenset[str], position: Mapping[str, Any]
    ) -> tuple[CandidatePool, dict[str, int]]:
        """The people of the pool who pass the screening rules, and what each rule excluded."""
        pool = self._agency_pool(agency_id, exclude)
        no_features = pd.DataFrame(index=pd.Index(pool.nips, name="nip"))
        screen = evaluate_rules(pool, position, no_features, self.as_of, self._screening)
        passed = np.asarray(screen.eligible, dtype=bool)
        key = ("screened", agency_id, exclude, hashlib.sha1(np.packbits(passed)).hexdigest())
        survivors = self._cached(key, lambda: pool if passed.all() else subset(pool, passed))
        return survivors, dict(screen.excluded_counts)

    def _feature_screened(
        self, pool: CandidatePool, position: Mapping[str, Any]
    ) -> tuple[CandidatePool, Eligibility]:
        """Those of ``pool`` who pass the hard rules that read features, and that verdict."""
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
        order = top_k(scored.scores, scored.pool.nips[scored.eligible], top_n)
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
