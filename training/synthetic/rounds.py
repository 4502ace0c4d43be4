"""Past selection rounds (mutasi): the election calendar, the posts filled, graded candidates.

A round is a post filled since 2019 as the careers show it (outside any election freeze); its
candidates come from one step down the ladder and are labelled from the latent fit: the
winner by the fit itself, the others by the committee's biased view of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.ordinals import EDUCATION_ORDINAL
from training.synthetic.draws import DAY, YEAR_DAYS, lookup
from training.synthetic.latent import (
    LATENTS,
    HiddenTraits,
    grade_labels,
    leaders,
    years_by_family,
)
from training.synthetic.posts import LADDER_BELOW, LEADERSHIP, MANAGERIAL
from training.synthetic.spec import AgencySpec


def election_calendar(spec: AgencySpec) -> pd.DataFrame:
    """Regional-head election dates relative to the reference date.

    Even-numbered agencies held their election ~2 years ago (the freeze covers many past
    rounds' dates, so none was decided then); odd-numbered ones are inside a freeze now
    (candidates are set ~4 months after the reference date).
    """
    ref = spec.reference_date
    if spec.index % 2 == 0:
        offsets = (("CANDIDATES_SET", -769), ("TERM_END", -619), ("INAUGURATION", -618))
    else:
        offsets = (("CANDIDATES_SET", 121), ("TERM_END", 274), ("INAUGURATION", 275))
    events = tuple((event, ref + days * DAY) for event, days in offsets)
    return pd.DataFrame(
        {
            "agency_id": spec.agency_id,
            "event": [e for e, _ in events],
            "date": pd.to_datetime([d for _, d in events]),
        }
    )


def _frozen(dates: np.ndarray, calendar: pd.DataFrame) -> np.ndarray:
    when = dict(zip(calendar["event"], calendar["date"].to_numpy(), strict=True))
    start = when["CANDIDATES_SET"] - 183 * DAY
    return ((dates >= start) & (dates <= when["TERM_END"])) | (
        (dates >= when["INAUGURATION"]) & (dates <= when["INAUGURATION"] + 183 * DAY)
    )


def draw_rounds(
    spec: AgencySpec,
    emp: pd.DataFrame,
    traits: HiddenTraits,
    pos: pd.DataFrame,
    history: pd.DataFrame,
    trainings: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Past selection rounds with graded labels from the latent fit (docs/synthetic-data.md)."""
    n_rounds = max(40, spec.employees // 20)
    grade, merit, growth = traits.grade, traits.merit, traits.growth
    latent = LATENTS[spec.latent]
    targets, decided, winners = _filled_vacancies(spec, emp, pos, history, n_rounds, rng)
    family = (
        emp["unit_id"]
        .map(pos.drop_duplicates("unit_id").set_index("unit_id")["job_family"])
        .to_numpy()
    )
    major_family = traits.major_family
    edu = lookup(EDUCATION_ORDINAL, emp["education_level"].to_numpy())
    service = emp["service_start"].to_numpy()
    rank_since = emp["rank_since"].to_numpy()
    nips = emp["nip"].to_numpy()
    holds = leaders(nips, trainings)
    family_years, family_code = years_by_family(spec, emp, history)
    by_grade = {g: np.flatnonzero(grade == g) for g in np.unique(grade)}
    active = emp["status"].to_numpy() == "ACTIVE"
    rows = []
    for r, (target, when, winner) in enumerate(
        zip(targets.itertuples(index=False), decided, winners, strict=True)
    ):
        pool = np.concatenate(
            [by_grade.get(g, np.array([], int)) for g in LADDER_BELOW[target.grade]]
        )
        pool = pool[active[pool] & (service[pool] < when - 730 * DAY) & (pool != winner)]
        minimum = EDUCATION_ORDINAL[target.min_education_level]
        qualified = pool[edu[pool] >= minimum]
        pool = qualified if len(qualified) >= 8 else pool
        if len(pool) < 4:
            continue
        size = min(len(pool) + 1, int(rng.integers(10, 41)))
        chosen = rng.permutation(np.append(rng.choice(pool, size=size - 1, replace=False), winner))
        selected = int(np.flatnonzero(chosen == winner)[0])
        leader_kind = LEADERSHIP.get(target.grade)
        trained = holds[leader_kind][chosen] if leader_kind else np.zeros(size)
        years = family_years[chosen, family_code[target.job_family]]
        fit = latent.score(
            merit[chosen],
            growth[chosen],
            major_family[chosen] == target.job_family,
            edu[chosen] - minimum,
            trained,
            years,
        ) + rng.normal(0, latent.noise, size)
        seniority = (when - rank_since[chosen]) / DAY / YEAR_DAYS + (
            when - service[chosen]
        ) / DAY / 3650
        seniority = (seniority - seniority.mean()) / (seniority.std() + 1e-9)
        same_unit = family[chosen] == target.job_family
        committee_view = (
            fit
            + latent.committee_seniority * seniority
            + latent.committee_unit * same_unit
            + rng.normal(0, latent.committee_noise, size)
        )
        label = grade_labels(np.where(np.arange(size) == selected, fit, committee_view))
        rows.append(
            pd.DataFrame(
                {
                    "round_id": f"{spec.agency_id}-R{r + 1:05d}",
                    "position_id": target.position_id,
                    "decided_on": when,
                    "nip": nips[chosen],
                    "label": label,
                    "label_source": np.where(np.arange(size) == selected, "OUTCOME", "COMMITTEE"),
                    "selected": np.arange(size) == selected,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _filled_vacancies(
    spec: AgencySpec,
    emp: pd.DataFrame,
    pos: pd.DataFrame,
    history: pd.DataFrame,
    n_rounds: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The posts filled since 2019 as the careers show them: (post, decided_on, winner).

    Each is a spell in ``position_history`` of a managerial or senior functional post of this
    export that began after 2019; the round was decided 2-12 weeks before, outside any election
    freeze, and its winner is the person whose career shows the spell. So careers, current posts
    and past rounds agree.
    """
    grade_of = pos.set_index("position_id")["grade"]
    spells = history[history["position_id"] != ""]
    spell_grade = spells["position_id"].map(grade_of).to_numpy()
    decided = (
        spells["start_date"].to_numpy().astype("datetime64[D]")
        - rng.integers(14, 90, len(spells)) * DAY
    )
    winner = pd.Index(emp["nip"]).get_indexer(spells["nip"])
    active = emp["status"].to_numpy()[winner] == "ACTIVE"
    usable = (
        np.isin(spell_grade, MANAGERIAL + ("AHLI_MADYA", "AHLI_MUDA"))
        & active
        & (decided >= np.datetime64("2019-01-01"))
        & (decided <= spec.reference_date - 20 * DAY)
        & ~_frozen(decided, election_calendar(spec))
    )
    index = np.flatnonzero(usable)
    weights = np.where(np.isin(spell_grade[index], MANAGERIAL), 4.0, 1.0)
    take = np.sort(
        rng.choice(index, size=min(n_rounds, len(index)), replace=False, p=weights / weights.sum())
    )
    take = take[np.argsort(decided[take], kind="stable")]
    targets = pos.set_index("position_id", drop=False).loc[spells["position_id"].to_numpy()[take]]
    return targets, decided[take], winner[take]
