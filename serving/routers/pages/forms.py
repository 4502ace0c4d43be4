"""Forms posted by the pages, parsed and checked in one place (a bad field gives the form back)."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from features import i18n
from serving import policy
from serving.auth import Principal
from serving.campaigns.models import MAX_VACANCIES, CampaignOptions
from serving.decisions import Proposal

CampaignPathId = Annotated[str, PathParam(min_length=1, max_length=64)]
FormText = Annotated[str, StringConstraints(max_length=32)]


class CampaignForm(BaseModel):
    """The campaign form as posted: text fields, checked and turned into options here.

    Fields stay text so that a bad value gives the form back with a message, not a bare 422.
    ``max_unit_pct`` is a percentage (the API's ``max_unit_share`` times 100); numbers may use
    a decimal comma.
    """

    model_config = ConfigDict(extra="ignore")

    scope: FormText = "agency"
    position_id: list[Annotated[str, StringConstraints(max_length=128)]] = Field(
        default_factory=list, max_length=MAX_VACANCIES
    )
    agency_id: Annotated[str, StringConstraints(max_length=64)] = ""
    chain_depth: FormText = "0"
    max_unit_pct: FormText = ""
    min_tenure_years: FormText = ""
    aspiration_mode: FormText = "tiebreak"
    aspiration_weight: FormText = "0"
    top_n: FormText = "50"
    fill_priority: FormText = "yes"
    need_weight: FormText = "0"
    need_floor_pct: FormText = ""


class CampaignFormError(ValueError):
    """A campaign form the page refuses, with the text key of its message (and its status)."""

    def __init__(self, key: str, status: int = 422, **params: str) -> None:
        super().__init__(key)
        self.key, self.status, self.params = key, status, params

    def message(self, lang: str) -> str:
        """The message in ``lang``."""
        if self.key == "err_option":
            field = self.params["field"]
            label, hint = (
                i18n.text(f"page.opt_{field}", lang),
                i18n.text(f"page.hint_{field}", lang),
            )
            return i18n.text("page.err_option", lang, label=label, hint=hint)
        return i18n.text(f"page.{self.key}", lang, **self.params)


def _number(form: CampaignForm, field: str) -> float | None:
    """The form field ``field`` as a finite number (decimal comma allowed); None when empty."""
    text = str(getattr(form, field)).strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise CampaignFormError("err_option", field=field) from None
    if not math.isfinite(value):
        raise CampaignFormError("err_option", field=field)
    return value


def campaign_options(form: CampaignForm) -> CampaignOptions:
    """The service's options from the form, or CampaignFormError naming the first bad field."""
    if form.fill_priority not in ("yes", "no"):
        raise CampaignFormError("err_option", field="fill_priority")
    share = _number(form, "max_unit_pct")
    floor = _number(form, "need_floor_pct")
    values: dict[str, Any] = {
        "chain_depth": _number(form, "chain_depth"),
        "max_unit_share": None if share is None else share / 100,
        "min_tenure_years": _number(form, "min_tenure_years"),
        "aspiration_mode": form.aspiration_mode,
        "aspiration_weight": _number(form, "aspiration_weight"),
        "top_n": _number(form, "top_n"),
        "fill_priority": form.fill_priority == "yes",
        "need_weight": _number(form, "need_weight"),
        "need_floor": None if floor is None else floor / 100,
    }
    try:
        return CampaignOptions(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        pct = {"max_unit_share": "max_unit_pct", "need_floor": "need_floor_pct"}
        raise CampaignFormError("err_option", field=pct.get(field, field)) from None


def _campaign_scope(
    who: Principal, form: CampaignForm, vacancies: list[dict[str, Any]]
) -> tuple[list[str] | None, str | None]:
    """``(position_ids, agency_id)`` of the form; a caller the policy keeps to its own agency
    runs campaigns there, whatever the form says."""
    if form.scope == "selected":
        if not form.position_id:
            raise CampaignFormError("err_none_ticked")
        return list(form.position_id), None
    if form.scope != "agency":
        raise CampaignFormError("err_scope")
    walled = policy.scope(who, "campaign.create") is not None
    agency = who.agency_id if walled else form.agency_id.strip()
    if not agency:
        raise CampaignFormError("err_no_agency")
    if not any(str(p["agency_id"]) == agency for p in vacancies):
        raise CampaignFormError("err_no_vacancy", agency=agency)
    return None, agency


# Sign-in, shortlist and decision forms ------------------------------------------------------


class SignInForm(BaseModel):
    """The sign-in form: name or NIP and password, or one's own API key (service users)."""

    user: Annotated[str, StringConstraints(max_length=128)] = ""
    password: Annotated[str, StringConstraints(max_length=200)] = ""
    key: Annotated[str, StringConstraints(max_length=200)] = ""


class ShortlistForm(BaseModel):
    """A vacancy's "make a shortlist" form."""

    position_id: Annotated[str, StringConstraints(max_length=128)]
    k: Annotated[int, Field(ge=1, le=50)] = 10


class DecisionForm(BaseModel):
    """The committee's decision on one candidate of a shortlist (the person is the one signed in).

    Warning answers come as two parallel lists: the rule id (hidden) and its answer.
    """

    nip: Annotated[str, StringConstraints(pattern=r"^\d{18}$")]
    decision: Annotated[str, StringConstraints(max_length=16)]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    justification: Annotated[str, StringConstraints(max_length=4000)] = ""
    warning_rule: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        default_factory=list, max_length=32
    )
    warning_answer: list[Annotated[str, StringConstraints(max_length=4000)]] = Field(
        default_factory=list, max_length=32
    )
    supersedes_reason: Annotated[str, StringConstraints(max_length=4000)] = ""
    override_basis: Annotated[str, StringConstraints(max_length=4000)] = ""
    minister_letter_number: Annotated[str, StringConstraints(max_length=128)] = ""
    minister_letter_date: date | None = None

    def proposal(self) -> Proposal:
        """The service's proposal (empty fields are absent)."""
        return Proposal(
            nip=self.nip,
            decision=self.decision,
            reason=self.reason,
            justification=self.justification or None,
            warning_answers=dict(zip(self.warning_rule, self.warning_answer, strict=False)),
            supersedes_reason=self.supersedes_reason or None,
            override_basis=self.override_basis or None,
            minister_letter_number=self.minister_letter_number or None,
            minister_letter_date=self.minister_letter_date,
        )


class DeclarationForm(BaseModel):
    """A member's declaration on a shortlist: none, a relation (NIPs, space or comma
    separated) or recusal."""

    kind: Annotated[str, StringConstraints(max_length=16)]
    related_nips: Annotated[str, StringConstraints(max_length=2000)] = ""
    statement: Annotated[str, StringConstraints(max_length=4000)] = ""

    def nips(self) -> list[str]:
        """The related NIPs as a list."""
        return self.related_nips.replace(",", " ").split()
