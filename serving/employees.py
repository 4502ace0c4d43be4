"""Employees' accounts: one sign-in per active civil servant, made by the agency's admin.

An employee signs in with their NIP and a password (argon2, as every user). ``make user
ROLE=employee NIP=...`` makes one account; ``make employee-accounts AGENCY=...`` makes one for
every ACTIVE employee of an agency in the export who has none yet and writes the one-time
passwords to a file readable by its owner only (0600). In production the agency's identity
provider (OIDC) is the extension point: a verified ``nip`` claim maps to the user with that NIP
(see ``docs/employees.md``).
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from features import i18n
from features.errors import ConflictError, JobfitError, NotFoundError
from features.export import TABLE_COLUMNS, Export
from serving import audit
from serving.auth import Principal, create_user
from serving.engine import Engine
from serving.policy import MISSING
from serving.runtime import Runtime, RuntimeHolder
from serving.tables import career_preferences, interests, move_requests, users


@dataclass(frozen=True)
class Account:
    """One account made: the user id, the NIP and the one-time password (shown once)."""

    user_id: str
    nip: str
    password: str


def active_employee(export: Export, nip: str) -> pd.Series:
    """The ACTIVE employee with ``nip`` in the export, or JobfitError."""
    staff = export.employees
    rows = staff[(staff["nip"].astype(str) == nip) & (staff["status"] == "ACTIVE")]
    if rows.empty:
        raise JobfitError("no active employee with that NIP in the export")
    return rows.iloc[0]


def create_employee(
    db: sa.Engine, export: Export, nip: str, agency: str | None, password: str
) -> str:
    """An employee account for the active employee ``nip`` (their agency unless told; must
    agree); return the user id.

    The account's name is ``"<name> (<NIP>)"``: user names are unique, people's names are not.
    """
    person = active_employee(export, nip)
    own = str(person["agency_id"])
    if agency is not None and agency != own:
        raise JobfitError(f"the employee with that NIP is not in agency {agency!r}")
    return create_user(db, "employee", own, account_name(person), nip, password)


def account_name(person: pd.Series) -> str:
    """The user name of an employee's account: their name and NIP."""
    return f"{person['name']} ({person['nip']})"


def _has_account(db: sa.Engine) -> set[str]:
    with db.connect() as connection:
        rows = connection.execute(sa.select(users.c.nip).where(users.c.nip.is_not(None)))
        return {str(row.nip) for row in rows}


def create_employee_accounts(db: sa.Engine, export: Export, agency: str) -> list[Account]:
    """Accounts for every ACTIVE employee of ``agency`` without one (NIP order)."""
    staff = export.employees
    staff = staff[(staff["agency_id"].astype(str) == agency) & (staff["status"] == "ACTIVE")]
    if staff.empty:
        raise JobfitError(f"agency {agency!r} has no active employees in the export")
    taken = _has_account(db)
    made = []
    for nip in sorted(set(staff["nip"].astype(str)) - taken):
        password = secrets.token_urlsafe(12)
        made.append(Account(create_employee(db, export, nip, agency, password), nip, password))
    return made


def write_passwords(accounts: list[Account], out: Path) -> Path:
    """Write ``nip,user_id,password`` lines to ``out``, created readable by its owner only."""
    if out.exists():
        raise JobfitError(f"{out} exists already: move it away (it may hold passwords)")
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nip", "user_id", "one_time_password"])
        writer.writerows([a.nip, a.user_id, a.password] for a in accounts)
    return out


# -- open posts, announced ------------------------------------------------------------------

INTEREST_DAYS = 14
"""Days an open post takes expressions of interest, counted from its announcement: the export's
date (the day the vacancy was known); a fresh export announces again."""
BANDS: tuple[str, ...] = ("strongest", "within_reach", "below_standard")
"""An employee's standing on a post, never a rank: top quarter of the eligible pool's scores,
above its lowest quarter, the rest (and whoever fails a hard rule)."""
REQUIREMENT_FIELDS = {
    "education_minimum": "min_education_level",
    "rank_minimum": "min_rank",
    "position_min_experience": "min_experience_years",
}
"""Rules whose requirement is a value set on the post itself (said with it)."""


def service_today(as_of: date | None) -> date:
    """The service's today: ``ASN_JOBFIT_AS_OF`` when set, else the clock's date (UTC)."""
    return as_of or datetime.now(UTC).date()


def closing_date(engine: Engine) -> date:
    """The last day interest in the posts of the served export is taken."""
    return (engine.as_of + pd.Timedelta(days=INTEREST_DAYS)).date()


def open_posts(engine: Engine, agency: str) -> list[dict[str, Any]]:
    """The vacant posts of ``agency``, by title."""
    frame = engine.export.positions
    frame = frame[frame["is_vacant"] & (frame["agency_id"].astype(str) == agency)]
    return frame.sort_values(["title", "position_id"]).to_dict("records")


def post_agency(engine: Engine, position_id: str) -> str | None:
    """The agency of the open post ``position_id`` (None: no such open post), for the policy."""
    posts = engine.export.positions
    rows = posts[(posts["position_id"] == position_id) & posts["is_vacant"]]
    return str(rows["agency_id"].iloc[0]) if len(rows) else None


def open_post(engine: Engine, agency: str, position_id: str) -> dict[str, Any]:
    """One vacant post of ``agency``; any other id (or another agency's) is a missing one."""
    for post in open_posts(engine, agency):
        if str(post["position_id"]) == position_id:
            return post
    raise NotFoundError(MISSING["position"])


def requirements(engine: Engine, post: Mapping[str, Any], lang: str) -> list[dict[str, str]]:
    """The hard rules the post's agency applies to its type, in words, with their citations."""
    words = i18n.section("me", lang)
    ruleset = engine.policies.for_agency(str(post["agency_id"])).ruleset
    out = []
    for rule in ruleset.rules:
        applies = rule.applies_to == "ALL" or post["position_type"] in rule.applies_to
        if not (rule.enabled and rule.severity == "hard" and applies):
            continue
        field_ = REQUIREMENT_FIELDS.get(rule.id)
        value = post.get(field_) if field_ else None
        if field_ and (value is None or value == "" or pd.isna(value)):
            continue
        template = words.get(f"rule.{rule.id}", rule.id.replace("_", " "))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        out.append({"text": template.format(value=value), "citation": rule.citation})
    return out


# -- my fit ---------------------------------------------------------------------------------


def standing(engine: Engine, nip: str, post: Mapping[str, Any]) -> str:
    """The employee's band on ``post`` among the agency's eligible pool (never a rank).

    The same scoring path as the committee's shortlist (:meth:`Engine.score` over the agency's
    pool); only the quartiles of the eligible scores leave it.
    """
    scored = engine.score(engine.candidates({"agency_id": str(post["agency_id"])}), post)
    rows = np.flatnonzero(scored.pool.nips[scored.eligible] == nip)
    if len(rows) == 0:
        return "below_standard"
    mine = float(scored.scores[rows[0]])
    high, low = np.quantile(scored.scores, [0.75, 0.25])
    return "strongest" if mine >= high else "within_reach" if mine >= low else "below_standard"


def development(
    engine: Engine, fit: Mapping[str, Any], post: Mapping[str, Any], nip: str, lang: str
) -> dict[str, list[str]]:
    """Competencies below the post's standard (by name, worst first) and trainings of the post's
    job family held in the agency's records that the employee has not done."""
    gaps = [
        (c["value"], c["feature"].removeprefix("gap_"))
        for c in fit["contributions"]
        if c["feature"].startswith("gap_") and c["value"] is not None and c["value"] < 0
    ]
    names = [
        i18n.text(f"features.competencies.{name}", i18n.language(lang)) + f" ({value:+.1f})"
        for value, name in sorted(gaps)
    ]
    trainings = engine.export.trainings
    family = str(post.get("job_family") or "")
    done = set(trainings.loc[trainings["nip"].astype(str) == nip, "name"])
    offered = trainings.loc[trainings["job_family"].astype(str) == family, "name"] if family else []
    courses = sorted(set(offered) - done)[:3]
    return {"competencies": names, "trainings": courses}


def my_fit(engine: Engine, nip: str, post: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The employee's fit for ``post``: the committee's own :meth:`Engine.fit` (rules, reasons,
    recourse), their band, and what to develop; no one else's name, score or rank."""
    fit = engine.fit(nip, post, lang)
    return {
        "eligible": fit["eligible"],
        "rules": fit["eligibility"],
        "reasons": fit["reasons"],
        "recourse": fit["recourse"],
        "band": standing(engine, nip, post),
        "development": development(engine, fit, post, nip, lang),
    }


# -- interest, career preferences, move requests --------------------------------------------

WILLING = ("ANYWHERE", "SAME_REGION", "NOT_NOW")
"""Willingness to move: anywhere, within my region only, not at this time."""
MAX_PREFERENCES = 3
"""Families and units are each said in order, at most three (preference ranks 1-3)."""


def _now() -> datetime:
    return datetime.now(UTC)


class InterestClosed(ConflictError):
    """Interest is no longer taken for the posts of the served export."""


class FieldError(JobfitError):
    """A field of an employee's form the service refuses: ``field`` names it (the page says it
    in the page's language, the API in the message)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def express_interest(db: sa.Engine, who: Principal, post: Mapping[str, Any]) -> bool:
    """Record ``who``'s interest in ``post`` (once; audited); False when already recorded."""
    nip, position_id = str(who.nip), str(post["position_id"])
    with db.begin() as connection:
        known = connection.execute(
            sa.select(interests.c.interest_id).where(
                (interests.c.nip == nip) & (interests.c.position_id == position_id)
            )
        ).first()
        if known is not None:
            return False
        made = connection.execute(
            interests.insert().values(
                nip=nip,
                agency_id=str(post["agency_id"]),
                position_id=position_id,
                created_at=_now(),
            )
        )
        interest_id = made.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "interest.record",
            position_id,
            {"interest_id": interest_id, "nip": nip},
            covers=("interests", interest_id),
        )
    return True


def interested(db: sa.Engine, position_id: str) -> set[str]:
    """The NIPs who expressed interest in ``position_id``."""
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(interests.c.nip).where(interests.c.position_id == position_id)
        )
        return {str(r.nip) for r in rows}


def my_interests(db: sa.Engine, nip: str) -> set[str]:
    """The posts ``nip`` expressed interest in."""
    with db.connect() as connection:
        rows = connection.execute(sa.select(interests.c.position_id).where(interests.c.nip == nip))
        return {str(r.position_id) for r in rows}


@dataclass(frozen=True)
class Preferences:
    """A statement of career preferences, checked: families and units in order (1-3)."""

    job_families: tuple[str, ...]
    units: tuple[str, ...]
    regions: tuple[str, ...]
    willing_to_move: str


def check_preferences(engine: Engine, agency: str, prefs: Preferences) -> Preferences:
    """``prefs`` with blanks and repeats dropped, or JobfitError naming the field at fault."""

    def clean(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))

    families, units, regions = clean(prefs.job_families), clean(prefs.units), clean(prefs.regions)
    known_families = set(engine.export.positions["job_family"].astype(str))
    posts = engine.export.positions
    known_units = set(posts.loc[posts["agency_id"].astype(str) == agency, "unit_id"].astype(str))
    for field_, values, known in (
        ("job_families", families, known_families),
        ("units", units, known_units),
    ):
        if len(values) > MAX_PREFERENCES:
            raise FieldError(field_, f"at most {MAX_PREFERENCES}")
        unknown = [v for v in values if v not in known]
        if unknown:
            raise FieldError(field_, f"unknown value {unknown[0][:40]!r}")
    if len(regions) > MAX_PREFERENCES or any(len(r) > 64 for r in regions):
        raise FieldError("regions", f"at most {MAX_PREFERENCES}, each at most 64 characters")
    if prefs.willing_to_move not in WILLING:
        raise FieldError("willing_to_move", f"one of {', '.join(WILLING)}")
    return Preferences(families, units, regions, prefs.willing_to_move)


def state_preferences(db: sa.Engine, who: Principal, prefs: Preferences, made_on: date) -> int:
    """Store a new statement of ``who``'s preferences dated ``made_on`` (audited); its id."""
    with db.begin() as connection:
        made = connection.execute(
            career_preferences.insert().values(
                nip=str(who.nip),
                agency_id=str(who.agency_id),
                made_on=made_on,
                job_families_json=json.dumps(list(prefs.job_families)),
                units_json=json.dumps(list(prefs.units)),
                regions_json=json.dumps(list(prefs.regions)),
                willing_to_move=prefs.willing_to_move,
                created_at=_now(),
            )
        )
        preference_id = made.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "preference.record",
            str(who.nip),
            {"preference_id": preference_id},
            covers=("career_preferences", preference_id),
        )
    return int(preference_id)


def request_move(db: sa.Engine, who: Principal, reason: str, made_on: date) -> int:
    """Store a request to be moved at one's own request (PP 11/2017 Pasal 190), audited."""
    reason = reason.strip()
    if not 10 <= len(reason) <= 2000:
        raise FieldError("reason", "between 10 and 2000 characters")
    with db.begin() as connection:
        made = connection.execute(
            move_requests.insert().values(
                nip=str(who.nip),
                agency_id=str(who.agency_id),
                made_on=made_on,
                reason=reason,
                status="SUBMITTED",
                created_at=_now(),
            )
        )
        request_id = made.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "move_request.record",
            str(who.nip),
            {"request_id": request_id},
            covers=("move_requests", request_id),
        )
    return int(request_id)


def history(db: sa.Engine, nip: str) -> dict[str, list[dict[str, Any]]]:
    """``nip``'s statements of preferences and move requests, newest first."""
    with db.connect() as connection:
        prefs = connection.execute(
            sa.select(career_preferences)
            .where(career_preferences.c.nip == nip)
            .order_by(career_preferences.c.preference_id.desc())
        ).all()
        moves = connection.execute(
            sa.select(move_requests)
            .where(move_requests.c.nip == nip)
            .order_by(move_requests.c.request_id.desc())
        ).all()
    return {
        "preferences": [_preference(row) for row in prefs],
        "moves": [dict(row._mapping) for row in moves],
    }


def _preference(row: Any) -> dict[str, Any]:
    return {
        "made_on": row.made_on,
        "job_families": json.loads(row.job_families_json),
        "units": json.loads(row.units_json),
        "regions": json.loads(row.regions_json),
        "willing_to_move": row.willing_to_move,
    }


def stated(db: sa.Engine, nips: Collection[str]) -> dict[str, dict[str, Any]]:
    """For the committee: each of ``nips``'s latest preferences and open move request."""
    nips = list(nips)
    out: dict[str, dict[str, Any]] = {}
    with db.connect() as connection:
        for row in connection.execute(
            sa.select(career_preferences)
            .where(career_preferences.c.nip.in_(nips))
            .order_by(career_preferences.c.preference_id)
        ):
            out.setdefault(str(row.nip), {})["preference"] = _preference(row)
        for row in connection.execute(
            sa.select(move_requests)
            .where(move_requests.c.nip.in_(nips) & (move_requests.c.status == "SUBMITTED"))
            .order_by(move_requests.c.request_id)
        ):
            out.setdefault(str(row.nip), {})["move_request"] = {
                "made_on": row.made_on,
                "reason": row.reason,
            }
    return out


# -- aspirations into the one feature path --------------------------------------------------


def aspiration_rows(db: sa.Engine) -> pd.DataFrame:
    """Every stated preference as rows of the contract's ``aspirations`` table, dated the day
    it was made (``submitted_on``): families and units, each in its stated order (rank 1-3)."""
    with db.connect() as connection:
        rows = connection.execute(sa.select(career_preferences)).all()
    out = []
    for row in rows:
        made = pd.Timestamp(row.made_on)
        for rank, family in enumerate(json.loads(row.job_families_json), start=1):
            out.append((row.nip, rank, family, "", made))
        for rank, unit in enumerate(json.loads(row.units_json), start=1):
            out.append((row.nip, rank, "", unit, made))
    return pd.DataFrame(out, columns=list(TABLE_COLUMNS["aspirations"]))


def refresh_aspirations(db: sa.Engine, holder: RuntimeHolder) -> None:
    """Put the stated preferences into the engine in use (after loading, after a statement)."""
    engine = holder.current.engine
    if engine is not None:
        holder.swap(Runtime.over(engine.with_aspirations(aspiration_rows(db))))
