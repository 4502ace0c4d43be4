"""Campaigns as a service: run one for a caller, store and audit it, read it back; the CLI.

Takes the runtime in use (:class:`serving.runtime.Runtime`: the export and the campaign
scorer over the champion) and the service database; knows nothing of HTTP. The API
(``serving.routers.campaigns``) and the review page call the same functions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from features.loader import load_export
from serving import audit, policy
from serving.auth import Principal
from serving.campaigns.models import (
    CampaignOptions,
    CampaignReport,
)
from serving.campaigns.planning import resolve_vacancies, run_campaign
from serving.campaigns.rendering import render_text, scope_words
from serving.campaigns.storage import load_campaign, save_campaign
from serving.campaigns.storage import recent_campaigns as stored_campaigns
from serving.engine import Engine
from serving.fairness import PanelRules
from serving.runtime import Runtime
from serving.settings import get_service_settings
from training.bundle import load_champion

logger = logging.getLogger(__name__)


def authorize_scope(who: Principal, vacancy_ids: Sequence[str], positions: pd.DataFrame) -> str:
    """The agency of a campaign over ``vacancy_ids`` ("*" for several), as the policy allows.

    Every vacancy's agency must be one ``who`` may run campaigns in (``serving.policy``): a
    role that never may is a ForbiddenError, another agency's vacancy a missing position.
    """
    agencies = sorted(set(positions.set_index("position_id").loc[list(vacancy_ids), "agency_id"]))
    for agency in agencies:
        policy.authorize(who, "campaign.create", str(agency), (), "position")
    return agencies[0] if len(agencies) == 1 else "*"


def _audit_detail(report: CampaignReport) -> dict[str, Any]:
    """What the audit log keeps of a campaign: scope, model, options and the proposal."""
    return {
        "scope": report.scope.model_dump(),
        "model": report.model,
        "options": report.options.model_dump(),
        "vacancies": report.vacancies,
        "placements": [[p.position_id, p.nip] for p in report.placements],
        "open": [o.position_id for o in report.open_vacancies],
    }


def create_and_store(
    runtime: Runtime,
    db: sa.Engine,
    who: Principal,
    position_ids: list[str] | None,
    agency_id: str | None,
    options: CampaignOptions,
) -> CampaignReport:
    """Run a campaign for ``who``, then store and audit it in one transaction.

    The one path of ``POST /v1/campaigns`` and of the review page's campaign form.

    Parameters
    ----------
    runtime : Runtime
        The runtime in use (export, campaign scorer, model).
    db : sqlalchemy.Engine
        The service database.
    who : Principal
        The caller (``role``, ``agency_id``, ``key_id``).
    position_ids, agency_id : list of str or None, str or None
        The scope: exactly one of them.
    options : CampaignOptions

    Returns
    -------
    CampaignReport
        The stored report, with its ``campaign_id``.

    Raises
    ------
    CampaignError
        Bad scope (422), unknown ids (404), a role or agency that may not (403).
    NotReadyError
        No champion loaded (503).
    """
    export, scorer, model = runtime.ready().export, runtime.ready_scorer(), runtime.model
    ids = resolve_vacancies(export.positions, position_ids, agency_id)
    agency = authorize_scope(who, ids, export.positions)
    report = run_campaign(
        export,
        scorer,
        position_ids=ids if agency_id is None else None,
        agency_id=agency_id,
        options=options,
        model=model,
        panel_rules=runtime.ready().panel_rules,
    )
    with db.begin() as connection:  # stored and audited in one transaction
        stored = save_campaign(connection, report, agency, str(who.key_id))
        audit.append(connection, who, "campaign.create", stored.campaign_id, _audit_detail(stored))
    logger.info("campaign %s stored: %d vacancies", stored.campaign_id, len(ids))
    return stored


def read_campaign(
    runtime: Runtime, db: sa.Engine, who: Principal, campaign_id: str
) -> CampaignReport:
    """A stored campaign ``who`` may read (admins and auditors: any; a committee: its agency's).

    Raises
    ------
    CampaignNotFound
        No such campaign, or another agency's (the same answer, so ids do not leak).
    NotReadyError
        No champion is loaded (503), as for every campaign request.
    """
    runtime.ready()
    with db.connect() as connection:
        report, agency = load_campaign(connection, campaign_id)
    policy.authorize(who, "campaign.read", agency, (), "campaign")
    return report


def run_campaign_cli(data_dir: Path, positions: str | None, agency: str | None) -> str:
    """``python -m serving campaign``: load the export and the champion, print the report."""
    settings = get_service_settings()
    position_ids = None
    if positions is not None:
        position_ids = [p.strip() for p in positions.split(",") if p.strip()]
    export = load_export(Path(data_dir))
    runtime = Runtime.over(Engine.build(export, load_champion(settings), settings))
    report = run_campaign(
        export,
        runtime.ready_scorer(),
        position_ids=position_ids,
        agency_id=agency,
        options=CampaignOptions(),
        model=runtime.model,
        panel_rules=PanelRules.from_settings(settings),
    )
    return render_text(report)


def recent_campaigns(
    db: sa.Engine, table: sa.Table, agency_id: str | None, limit: int = 5, lang: str = "en"
) -> list[dict[str, Any]]:
    """The most recent stored campaigns for the home page, newest first, scope in words.

    ``table`` is ``serving.tables.campaigns``; ``lang`` the language of the scope (English by
    default, as stored reports used to say it).

    Returns
    -------
    list of dict
        ``campaign_id``, ``created_at``, ``agency_id``, ``vacancies``, ``filled`` and
        ``scope`` of each.
    """
    return [
        {
            "campaign_id": row.campaign_id,
            "created_at": row.created_at,
            "agency_id": row.agency_id,
            "vacancies": row.vacancies,
            "filled": report.baselines.optimal_filled,
            "scope": scope_words(report.scope, lang),
        }
        for row, report in stored_campaigns(db, agency_id, limit, table)
    ]
