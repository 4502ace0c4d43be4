"""The committee's review page: server-rendered, signed in with an API key kept in a cookie.

The cookie is HttpOnly and SameSite=Strict, so forms cannot be posted from another site.
Pages call the same services as the API; nothing here decides anything.
"""

from __future__ import annotations

import contextlib
import math
import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from features.errors import JobfitError
from serving import campaigns as campaign_service
from serving import decisions, exports, shortlists
from serving.auth import AuthError, Principal, authenticate
from serving.decisions import JustificationRequired
from serving.routers import campaigns as campaign_api
from serving.routers.api import ShortlistId
from serving.tables import campaigns as campaign_table

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
router = APIRouter(include_in_schema=False)
KEY_COOKIE, LANG_COOKIE = "ajf_key", "ajf_lang"

TEXT = {
    "id": dict(
        review="Tinjauan Tim Penilai Kinerja",
        menu="Menu",
        vacancies="Lowongan jabatan",
        sign_in="Masuk",
        sign_out="Keluar",
        api_key="Kunci API",
        position="Jabatan",
        unit="Unit kerja",
        type="Jenis",
        shortlist="Daftar calon",
        make_shortlist="Buat daftar calon",
        model="model",
        rules="aturan",
        as_of="per",
        eligible="memenuhi syarat",
        vacancy_flag="Perhatian:",
        download_csv="Unduh CSV",
        download_pdf="Unduh PDF berita acara",
        compare="Bandingkan",
        compare_selected="Bandingkan calon terpilih (2-3)",
        band="Kelompok",
        candidate="Calon",
        score="Skor",
        reasons="Alasan utama (+ menaikkan, − menurunkan skor dibanding rata-rata calon)",
        eligibility="Syarat",
        checks="syarat",
        talent="Kotak talenta",
        decision="Keputusan",
        record_decision="Catat keputusan",
        reason="Alasan",
        reviewer="Nama penilai",
        justification="Justifikasi (wajib bila menyimpang)",
        save="Simpan",
        history="Riwayat keputusan",
        when="Waktu",
        divergent="Menyimpang",
        yes="ya",
        feature="Faktor",
        compare_help="Selisih kontribusi tiap faktor menjelaskan mengapa satu calon di atas yang lain.",
        justify_prompt="Pilihan ini menyimpang dari rekomendasi (di luar daftar atau di bawah calon yang tidak dipilih). Tuliskan justifikasi minimal 20 karakter.",
        not_ready="Layanan belum siap",
        human="Sistem memberi rekomendasi; keputusan ada pada tim penilai kinerja (UU 27/2022 Pasal 10).",
        campaigns="Kampanye rotasi",
        campaign="Kampanye rotasi",
        campaign_help="Usulkan penempatan untuk banyak lowongan sekaligus: setiap orang paling banyak satu jabatan, total kecocokan setinggi mungkin. Hasilnya usulan; keputusan tetap di tangan tim.",
        start_campaign="Jalankan kampanye",
        campaign_slow="Untuk ratusan lowongan perhitungan memakan waktu beberapa detik (sekitar 10 detik untuk 500 lowongan, lebih lama dengan rantai).",
        scope_agency="Semua lowongan terbuka instansi",
        scope_selected="Hanya lowongan yang dicentang di daftar di bawah",
        agency="Instansi",
        pick="Pilih",
        opt_chain_depth="Kedalaman rantai lowongan",
        hint_chain_depth="0-5; jabatan yang ditinggalkan pegawai yang dipindah diisi ulang sebanyak putaran ini",
        opt_max_unit_pct="Maks. pindah per unit (%)",
        hint_max_unit_pct="bagian pegawai aktif unit yang boleh keluar: lebih dari 0 sampai 100; kosong = tanpa batas",
        opt_min_tenure_years="Min. tahun di jabatan",
        hint_min_tenure_years="yang kurang dari ini tetap di jabatannya: 0-40; kosong = hanya aturan kelayakan",
        opt_aspiration_mode="Aspirasi pegawai",
        hint_aspiration_mode="abaikan, penentu bila seri, atau berbobot",
        asp_off="abaikan",
        asp_tiebreak="hanya penentu bila seri",
        asp_weighted="berbobot",
        opt_aspiration_weight="Bobot aspirasi",
        hint_aspiration_weight="0-100, hanya untuk mode berbobot (mis. 0,2)",
        advanced="Opsi lanjutan",
        opt_top_n="Calon teratas per lowongan",
        hint_top_n="1-500",
        opt_fill_priority="Utamakan mengisi sebanyak mungkin lowongan",
        hint_fill_priority="ya atau tidak",
        past_campaigns="Kampanye sebelumnya",
        no_campaigns="Belum ada kampanye.",
        filled="terisi",
        created="dibuat",
        auditor_read_only="Auditor dapat membaca kampanye, tetapi tidak dapat menjalankannya.",
        err_role="Hanya admin atau tim penilai kinerja yang dapat menjalankan kampanye.",
        err_none_ticked="Centang minimal satu lowongan di daftar, atau pilih semua lowongan terbuka instansi.",
        err_no_agency="Pilih instansi.",
        err_no_vacancy="Instansi {agency} tidak memiliki lowongan terbuka; tidak ada yang dapat dikampanyekan.",
        err_scope="Cakupan kampanye tidak dikenal.",
        err_option="{label}: nilai tidak valid (yang boleh: {hint}).",
        err_campaign="Kampanye tidak dapat dijalankan",
        not_found="Tidak ditemukan",
        campaign_not_found="Kampanye ini tidak ada atau bukan milik instansi Anda.",
        back="Kembali ke lowongan jabatan",
        proposal="Usulan — keputusan tetap di tangan tim.",
        proposal_help="Kampanye tidak memutuskan apa pun. Buka daftar calon setiap jabatan, periksa alasan dan syaratnya, lalu catat keputusan tim di sana.",
        scope="Cakupan",
        options="Opsi",
        solver="pemecah",
        vacancy_count="lowongan",
        download_report_pdf="Unduh PDF laporan",
        summary="Optimum dibanding pembanding",
        method="Cara",
        optimal="Penugasan optimal (kampanye ini)",
        greedy="Serakah: lowongan berurutan, tiap lowongan mengambil calon terbaik yang tersisa",
        top1="Top-1 mandiri: tiap lowongan memilih sendiri (bisa memilih orang yang sama)",
        filled_col="Lowongan terisi",
        total_fit="Total kecocokan",
        vs_optimal="Selisih dari optimal",
        vs_greedy="dibanding cara serakah",
        conflicts="{n} bentrok dihindari: {p} orang menjadi pilihan pertama lebih dari satu lowongan.",
        moves="Usulan perpindahan",
        round="Putaran",
        origin="Asal",
        rank_on_list="Peringkat di daftar",
        fit="Kecocokan",
        aspiration="Aspirasi",
        review_decide="Tinjau & putuskan",
        no_moves="Tidak ada usulan perpindahan.",
        chains="Rantai lowongan",
        chains_help="Memindahkan pejabat membuka jabatannya; putaran berikutnya mengisinya.",
        chain_from="dari",
        scope_of_agency="instansi {agency}, semua lowongan terbuka",
        scope_listed="{n} lowongan terpilih",
        no_chains="Tidak ada rantai lowongan.",
        open="Lowongan yang tetap kosong",
        why_open="Mengapa (batasan yang mengikat)",
        none_open="Semua lowongan terisi.",
        solver_english="Penjelasan kampanye lama ini ditulis dalam bahasa Inggris.",
        binding="Batasan yang mengikat",
        units="Kepegawaian per unit, sebelum dan sesudah",
        before="Sebelum",
        leaving="Keluar",
        arriving="Masuk",
        after="Sesudah",
        cap="Batas pindah",
        wanted="Diinginkan",
        fairness="Audit keadilan",
        fairness_help="Tingkat usulan per kelompok di antara calon yang dipertimbangkan (ada di daftar salah satu lowongan). Jenis kelamin dan tanggal lahir hanya dibaca untuk audit ini, tidak pernah untuk penilaian atau penugasan.",
        attribute="Atribut",
        group="Kelompok",
        considered="Dipertimbangkan",
        proposed="Diusulkan",
        rate="Tingkat",
        gap="Selisih terbesar",
        gender="Jenis kelamin",
        age_band="Kelompok usia",
    ),
    "en": dict(
        review="Selection committee review",
        menu="Menu",
        vacancies="Vacant positions",
        sign_in="Sign in",
        sign_out="Sign out",
        api_key="API key",
        position="Position",
        unit="Unit",
        type="Type",
        shortlist="Shortlist",
        make_shortlist="Make a shortlist",
        model="model",
        rules="rules",
        as_of="as of",
        eligible="eligible",
        vacancy_flag="Attention:",
        download_csv="Download CSV",
        download_pdf="Download PDF minutes",
        compare="Compare",
        compare_selected="Compare the ticked candidates (2-3)",
        band="Band",
        candidate="Candidate",
        score="Score",
        reasons="Main reasons (+ raises, − lowers the score against the average candidate)",
        eligibility="Eligibility",
        checks="checks",
        talent="Talent box",
        decision="Decision",
        record_decision="Record a decision",
        reason="Reason",
        reviewer="Reviewer name",
        justification="Justification (required when diverging)",
        save="Save",
        history="Decision history",
        when="When",
        divergent="Divergent",
        yes="yes",
        feature="Factor",
        compare_help="The difference in each factor's contribution explains why one candidate ranks above another.",
        justify_prompt="This choice departs from the recommendation (off the list or below candidates not selected). Write a justification of at least 20 characters.",
        not_ready="The service is not ready",
        human="The system recommends; the committee decides (UU 27/2022 Pasal 10).",
        campaigns="Rotation campaigns",
        campaign="Rotation campaign",
        campaign_help="Propose placements for many vacancies at once: each person takes at most one post, with the highest total fit. The result is a proposal; the committee still decides.",
        start_campaign="Run the campaign",
        campaign_slow="With hundreds of vacancies this takes seconds (about 10 s for 500 vacancies, longer with chains).",
        scope_agency="All open vacancies of agency",
        scope_selected="Only the vacancies ticked in the list below",
        agency="Agency",
        pick="Pick",
        opt_chain_depth="Vacancy chain depth",
        hint_chain_depth="0-5; the posts left by the people moved are refilled in this many rounds",
        opt_max_unit_pct="Max. leaving per unit (%)",
        hint_max_unit_pct="share of a unit's active staff that may leave it: above 0 up to 100; empty = no cap",
        opt_min_tenure_years="Min. years in post",
        hint_min_tenure_years="people with less stay in their post: 0-40; empty = eligibility rules only",
        opt_aspiration_mode="Employee aspirations",
        hint_aspiration_mode="ignore, tie-break or weighted",
        asp_off="ignore",
        asp_tiebreak="tie-break only",
        asp_weighted="weighted",
        opt_aspiration_weight="Aspiration weight",
        hint_aspiration_weight="0-100, weighted mode only (e.g. 0.2)",
        advanced="Advanced options",
        opt_top_n="Top candidates per vacancy",
        hint_top_n="1-500",
        opt_fill_priority="Fill as many vacancies as possible first",
        hint_fill_priority="yes or no",
        past_campaigns="Past campaigns",
        no_campaigns="No campaign yet.",
        filled="filled",
        created="created",
        auditor_read_only="Auditors may read campaigns but not run them.",
        err_role="Only an admin or a selection committee may run a campaign.",
        err_none_ticked="Tick at least one vacancy in the list, or choose all open vacancies of the agency.",
        err_no_agency="Choose an agency.",
        err_no_vacancy="Agency {agency} has no open vacancy; there is nothing to run a campaign for.",
        err_scope="Unknown campaign scope.",
        err_option="{label}: invalid value (allowed: {hint}).",
        err_campaign="The campaign cannot be run",
        not_found="Not found",
        campaign_not_found="This campaign does not exist or does not belong to your agency.",
        back="Back to the vacancies",
        proposal="A proposal — the committee still decides.",
        proposal_help="A campaign decides nothing. Open each position's shortlist, check the reasons and eligibility, and record the committee's decision there.",
        scope="Scope",
        options="Options",
        solver="solver",
        vacancy_count="vacancies",
        download_report_pdf="Download the PDF report",
        summary="Optimum vs baselines",
        method="Method",
        optimal="Optimal assignment (this campaign)",
        greedy="Greedy: vacancies in order, each takes its best remaining candidate",
        top1="Independent top-1: each vacancy on its own (may pick the same person)",
        filled_col="Vacancies filled",
        total_fit="Total fit",
        vs_optimal="Difference from the optimum",
        vs_greedy="vs greedy",
        conflicts="{n} conflicts avoided: {p} people are the first choice of more than one vacancy.",
        moves="Proposed moves",
        round="Round",
        origin="From",
        rank_on_list="Rank on the list",
        fit="Fit",
        aspiration="Aspiration",
        review_decide="Review & decide",
        no_moves="No move proposed.",
        chains="Vacancy chains",
        chains_help="Moving an incumbent opens their post; the next round refills it.",
        chain_from="from",
        scope_of_agency="agency {agency}, all open vacancies",
        scope_listed="{n} listed vacancies",
        no_chains="No vacancy chain.",
        open="Vacancies left open",
        why_open="Why (binding constraint)",
        none_open="Every vacancy is filled.",
        solver_english="",
        binding="Binding constraints",
        units="Staffing per unit, before and after",
        before="Before",
        leaving="Leaving",
        arriving="Arriving",
        after="After",
        cap="Move cap",
        wanted="Wanted",
        fairness="Fairness audit",
        fairness_help="Proposal rate per group among the candidates considered (on some vacancy's list). Gender and birth date are read for this audit only, never for scoring or assignment.",
        attribute="Attribute",
        group="Group",
        considered="Considered",
        proposed="Proposed",
        rate="Rate",
        gap="Largest gap",
        gender="Gender",
        age_band="Age band",
    ),
}


def _lang(request: Request, cookie: str | None) -> str:
    wanted = request.query_params.get("lang") or cookie or "id"
    return wanted if wanted in TEXT else "id"


def _who(request: Request, key: str | None) -> Principal | None:
    if not key:
        return None
    try:
        return authenticate(request.app.state.db, f"Bearer {key}")
    except AuthError:
        return None


def _render(
    request: Request, name: str, lang: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, name, {"lang": lang, "t": TEXT[lang], "who": who, **context}, status_code=status
    )
    if request.query_params.get("lang") in TEXT:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True)
    return response


def _to_login() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


Key = Annotated[str | None, Cookie(alias=KEY_COOKIE)]
LangCookie = Annotated[str | None, Cookie(alias=LANG_COOKIE)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, key: Key = None, lang_cookie: LangCookie = None) -> Response:
    """Sign-in form, or the agency's vacancies, the campaign form and past campaigns."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _render(request, "login.html", lang, None)
    return _positions_page(request, who, lang)


def _vacancies(request: Request, who: Principal) -> list[dict[str, Any]]:
    """The open positions ``who`` may see (none while the service is not ready)."""
    engine = request.app.state.engine
    if engine is None:
        return []
    frame = engine.export.positions
    frame = frame[frame["is_vacant"]]
    if who.role == "committee":
        frame = frame[frame["agency_id"] == who.agency_id]
    return frame.to_dict("records")


def _positions_page(
    request: Request,
    who: Principal,
    lang: str,
    status: int = 200,
    error: str | None = None,
    form: CampaignForm | None = None,
) -> HTMLResponse:
    """The home page: vacancies (with the campaign ticks), the campaign form, past campaigns."""
    positions = _vacancies(request, who)
    form = form or CampaignForm()
    return _render(
        request,
        "positions.html",
        lang,
        who,
        status=status,
        error=error,
        positions=positions,
        agencies=sorted({str(p["agency_id"]) for p in positions}),
        form=form,
        ticked=set(form.position_id),
        may_start=who.role in CAMPAIGN_ROLES,
        campaigns=campaign_api.recent_campaigns(
            request.app.state.db,
            campaign_table,
            who.agency_id if who.role == "committee" else None,
            RECENT_CAMPAIGNS,
        ),
        ready=request.app.state.engine is not None,
        reason=request.app.state.engine_error,
    )


@router.post("/login")
def login(
    request: Request, key: Annotated[str, Form(max_length=200)], lang_cookie: LangCookie = None
) -> Response:
    """Check the key, then keep it in an HttpOnly, SameSite=Strict cookie."""
    lang = _lang(request, lang_cookie)
    if _who(request, key.strip()) is None:
        return _render(
            request,
            "login.html",
            lang,
            None,
            status=401,
            error="Kunci tidak dikenal" if lang == "id" else "Unknown key",
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(KEY_COOKIE, key.strip(), httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout() -> Response:
    """Forget the key."""
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(KEY_COOKIE)
    return response


@router.post("/shortlists")
def make_shortlist(
    request: Request,
    position_id: Annotated[str, Form(max_length=128)],
    k: Annotated[int, Form(ge=1, le=50)] = 10,
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Make and store a shortlist, then show it."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    engine = request.app.state.engine
    if who is None or engine is None:
        return _to_login()
    position = engine.position(position_id)
    if not who.may_see_agency(str(position["agency_id"])):
        return _render(request, "login.html", lang, who, status=404, error="404")
    filters = {"agency_id": who.agency_id if who.role == "committee" else None}
    body = shortlists.create(
        request.app.state.db,
        engine,
        who,
        position,
        k,
        lang,
        filters,
        {"position_id": position_id, "k": k, "via": "review page"},
    )
    return RedirectResponse(f"/shortlists/{body['shortlist_id']}", status_code=303)


def _shortlist_page(
    request: Request, who: Principal, lang: str, shortlist_id: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    db = request.app.state.db
    body = shortlists.read(db, who, shortlist_id)
    history = decisions.history(db, who, shortlist_id)
    scores = [c["score"] for c in body["candidates"]] or [0.0]
    low = min(scores) - 0.05 * (abs(min(scores)) + 1)
    engine = request.app.state.engine
    title = body["position_id"]
    if engine is not None:
        with contextlib.suppress(JobfitError):
            title = str(engine.position(body["position_id"])["title"])
    return _render(
        request,
        "shortlist.html",
        lang,
        who,
        status=status,
        s=body,
        title=title,
        history=history["decisions"],
        current=history["current"],
        low=low,
        span=max(max(scores) - low, 1e-9),
        **extra,
    )


@router.get("/shortlists/{shortlist_id}", response_class=HTMLResponse)
def show_shortlist(
    request: Request, shortlist_id: ShortlistId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A stored shortlist with its decisions."""
    who = _who(request, key)
    if who is None:
        return _to_login()
    return _shortlist_page(request, who, _lang(request, lang_cookie), shortlist_id)


@router.post("/shortlists/{shortlist_id}/decisions", response_class=HTMLResponse)
def decide(
    request: Request,
    shortlist_id: ShortlistId,
    nip: Annotated[str, Form(pattern=r"^\d{18}$")],
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    reviewer: Annotated[str, Form(min_length=1, max_length=128)],
    justification: Annotated[str, Form(max_length=4000)] = "",
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Record a decision; an off-list selection without justification shows the prompt."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    try:
        decisions.record(
            request.app.state.db,
            who,
            shortlist_id,
            nip=nip,
            decision=decision,
            reason=reason,
            reviewer=reviewer,
            justification=justification or None,
        )
    except JustificationRequired:
        form = {"nip": nip, "decision": decision, "reason": reason, "reviewer": reviewer}
        return _shortlist_page(request, who, lang, shortlist_id, status=422, prompt=True, form=form)
    except JobfitError as error:
        return _shortlist_page(request, who, lang, shortlist_id, status=422, error=str(error))
    return RedirectResponse(f"/shortlists/{shortlist_id}#decide", status_code=303)


@router.get("/shortlists/{shortlist_id}/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    shortlist_id: ShortlistId,
    nip: Annotated[list[str], Query(max_length=3)] = [],  # noqa: B006
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Two or three candidates side by side, feature by feature."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    body = shortlists.read(request.app.state.db, who, shortlist_id)
    people = [c for c in body["candidates"] if c["nip"] in set(nip)][:3]
    if len(people) < 2:
        people = body["candidates"][:2]
    rows = []
    for i, item in enumerate(people[0]["contributions"]):
        cells = [p["contributions"][i] for p in people]
        delta = cells[0]["contribution"] - cells[1]["contribution"] if len(cells) > 1 else 0.0
        rows.append({"feature": item["feature"], "cells": cells, "delta": delta})
    rows.sort(key=lambda r: -abs(r["delta"]))
    return _render(request, "compare.html", lang, who, s=body, people=people, rows=rows)


@router.get("/shortlists/{shortlist_id}/export.csv")
def page_csv(request: Request, shortlist_id: ShortlistId, key: Key = None) -> Response:
    """CSV download for a signed-in reviewer."""
    who = _who(request, key)
    if who is None:
        return _to_login()
    db = request.app.state.db
    text = exports.to_csv(
        shortlists.read(db, who, shortlist_id), decisions.history(db, who, shortlist_id)
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.csv"'},
    )


@router.get("/shortlists/{shortlist_id}/export.pdf")
def page_pdf(request: Request, shortlist_id: ShortlistId, key: Key = None) -> Response:
    """PDF minutes for a signed-in reviewer."""
    who = _who(request, key)
    if who is None:
        return _to_login()
    db = request.app.state.db
    body = shortlists.read(db, who, shortlist_id)
    pdf = exports.to_pdf(body, decisions.history(db, who, shortlist_id), body["position_id"])
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.pdf"'},
    )


# -- rotation campaigns ----------------------------------------------------------------------
CAMPAIGN_ROLES: tuple[str, ...] = ("admin", "committee")
"""Roles offered the campaign form (the service's ``authorize_scope`` has the last word)."""
RECENT_CAMPAIGNS = 8
"""How many past campaigns the home page lists."""
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
        default_factory=list, max_length=campaign_service.MAX_VACANCIES
    )
    agency_id: Annotated[str, StringConstraints(max_length=64)] = ""
    chain_depth: FormText = "0"
    max_unit_pct: FormText = ""
    min_tenure_years: FormText = ""
    aspiration_mode: FormText = "tiebreak"
    aspiration_weight: FormText = "0"
    top_n: FormText = "50"
    fill_priority: FormText = "yes"


class CampaignFormError(ValueError):
    """A campaign form the page refuses, with the text key of its message (and its status)."""

    def __init__(self, key: str, status: int = 422, **params: str) -> None:
        super().__init__(key)
        self.key, self.status, self.params = key, status, params

    def message(self, lang: str) -> str:
        """The message in ``lang``."""
        text = TEXT[lang]
        if self.key == "err_option":
            field = self.params["field"]
            return text["err_option"].format(label=text[f"opt_{field}"], hint=text[f"hint_{field}"])
        return text[self.key].format(**self.params)


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


def campaign_options(form: CampaignForm) -> campaign_service.CampaignOptions:
    """The service's options from the form, or CampaignFormError naming the first bad field."""
    if form.fill_priority not in ("yes", "no"):
        raise CampaignFormError("err_option", field="fill_priority")
    share = _number(form, "max_unit_pct")
    values: dict[str, Any] = {
        "chain_depth": _number(form, "chain_depth"),
        "max_unit_share": None if share is None else share / 100,
        "min_tenure_years": _number(form, "min_tenure_years"),
        "aspiration_mode": form.aspiration_mode,
        "aspiration_weight": _number(form, "aspiration_weight"),
        "top_n": _number(form, "top_n"),
        "fill_priority": form.fill_priority == "yes",
    }
    try:
        return campaign_service.CampaignOptions(
            **{k: v for k, v in values.items() if v is not None}
        )
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        raise CampaignFormError(
            "err_option", field="max_unit_pct" if field == "max_unit_share" else field
        ) from None


def _campaign_scope(
    who: Principal, form: CampaignForm, vacancies: list[dict[str, Any]]
) -> tuple[list[str] | None, str | None]:
    """``(position_ids, agency_id)`` of the form; a committee's agency is always its own."""
    if form.scope == "selected":
        if not form.position_id:
            raise CampaignFormError("err_none_ticked")
        return list(form.position_id), None
    if form.scope != "agency":
        raise CampaignFormError("err_scope")
    agency = who.agency_id if who.role == "committee" else form.agency_id.strip()
    if not agency:
        raise CampaignFormError("err_no_agency")
    if not any(str(p["agency_id"]) == agency for p in vacancies):
        raise CampaignFormError("err_no_vacancy", agency=agency)
    return None, agency


@router.post("/campaigns", response_class=HTMLResponse)
def start_campaign(
    request: Request,
    form: Annotated[CampaignForm, Form()],
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Run, store and audit a campaign exactly as ``POST /v1/campaigns``; then show it (PRG).

    Like the other forms it relies on the SameSite=Strict key cookie: a post from another
    site arrives without it and is sent to the sign-in page.
    """
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    try:
        if who.role not in CAMPAIGN_ROLES:
            raise CampaignFormError("err_role", status=403)
        if request.app.state.engine is None:
            raise CampaignFormError("not_ready", status=503)
        options = campaign_options(form)
        position_ids, agency = _campaign_scope(who, form, _vacancies(request, who))
        report = campaign_api.create_and_store(request, who, position_ids, agency, options)
    except CampaignFormError as error:
        return _positions_page(
            request, who, lang, status=error.status, error=error.message(lang), form=form
        )
    except campaign_service.CampaignError as error:
        status = int(getattr(error, "status_code", 422))
        message = TEXT[lang]["err_campaign"] + ": " + str(error)
        return _positions_page(request, who, lang, status=status, error=message, form=form)
    return RedirectResponse(f"/campaigns/{report.campaign_id}", status_code=303)


@router.get("/campaigns")
def campaigns_home(request: Request) -> Response:
    """The campaign form lives on the home page (a language link on a refused form lands here)."""
    lang = request.query_params.get("lang")
    return RedirectResponse(f"/?lang={lang}" if lang in TEXT else "/", status_code=303)


def _campaign_error(
    request: Request, who: Principal, lang: str, error: campaign_service.CampaignError
) -> HTMLResponse:
    """A page saying why a campaign cannot be shown (404 also for another agency's)."""
    text, status = TEXT[lang], int(getattr(error, "status_code", 422))
    if status == 404:
        message = text["campaign_not_found"]
    elif status == 503:
        message = f"{text['not_ready']}: {request.app.state.engine_error or ''}".rstrip(": ")
    else:
        message = str(error)
    title = text["not_found"] if status == 404 else text["err_campaign"]
    return _render(request, "message.html", lang, who, status=status, title=title, message=message)


def _names(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """Position titles and unit names by id (empty while the service is not ready)."""
    engine = request.app.state.engine
    if engine is None:
        return {}, {}
    frame = engine.export.positions
    titles = dict(zip(frame["position_id"], frame["title"], strict=True))
    units = dict(zip(frame["unit_id"], frame["unit_name"], strict=True))
    return titles, units


CHAIN_LINK = re.compile(r"^(?P<position>\S+) <- (?P<nip>\S+) from (?P<origin>\S+)$")
SCOPE_AGENCY = re.compile(r"^agency (?P<agency>.+)$")
SCOPE_LISTED = re.compile(r"^(?P<n>\d+) listed position\(s\)$")


def _scope_text(scope: str, lang: str) -> str:
    """The report's scope ("agency X", "N listed position(s)") in ``lang``."""
    if match := SCOPE_AGENCY.match(scope):
        return TEXT[lang]["scope_of_agency"].format(**match.groupdict())
    if match := SCOPE_LISTED.match(scope):
        return TEXT[lang]["scope_listed"].format(**match.groupdict())
    return scope


def _chain_links(
    report: campaign_service.CampaignReport, titles: dict[str, str]
) -> list[list[dict[str, str]]]:
    """Each vacancy chain as links with titles and names (the raw text when it does not parse)."""
    names = {p.nip: p.name for p in report.placements}
    chains = []
    for chain in report.chains:
        links = []
        for link in chain:
            match = CHAIN_LINK.match(link)
            if match is None:
                links.append({"raw": link})
                continue
            part = match.groupdict()
            links.append(
                {
                    **part,
                    "title": titles.get(part["position"], part["position"]),
                    "name": names.get(part["nip"], ""),
                    "origin_title": titles.get(part["origin"], part["origin"]),
                }
            )
        chains.append(links)
    return chains


def _fairness_rows(
    report: campaign_service.CampaignReport,
) -> list[campaign_service.FairnessGroup]:
    """The fairness groups, age bands youngest first."""
    bands = [label for _, label in campaign_service.AGE_BANDS]
    order = {label: i for i, label in enumerate(bands)}
    return sorted(
        report.fairness, key=lambda g: (g.attribute != "gender", order.get(g.group, 99), g.group)
    )


def _read_campaign(
    request: Request, campaign_id: str, key: str | None, lang_cookie: str | None
) -> tuple[str, Principal, campaign_service.CampaignReport] | Response:
    """The language, the signed-in reviewer and the campaign; else the page to answer with."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    try:
        return lang, who, campaign_api.read_campaign(request, who, campaign_id)
    except campaign_service.CampaignError as error:
        return _campaign_error(request, who, lang, error)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def show_campaign(
    request: Request, campaign_id: CampaignPathId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A stored campaign: the proposal, chains, open vacancies, baselines, units, fairness."""
    read = _read_campaign(request, campaign_id, key, lang_cookie)
    if isinstance(read, Response):
        return read
    lang, who, report = read
    titles, units = _names(request)
    return _render(
        request,
        "campaign.html",
        lang,
        who,
        c=report,
        titles=titles,
        units=units,
        scope=_scope_text(report.scope, lang),
        chains=_chain_links(report, titles),
        fairness=_fairness_rows(report),
    )


def _campaign_download(
    request: Request, campaign_id: str, key: str | None, lang_cookie: str | None, kind: str
) -> Response:
    """The CSV or PDF of a stored campaign for a signed-in reviewer (the API's renderers)."""
    read = _read_campaign(request, campaign_id, key, lang_cookie)
    if isinstance(read, Response):
        return read
    report = read[2]
    if kind == "csv":
        body: str | bytes = campaign_service.render_csv(report)
        media = "text/csv; charset=utf-8"
    else:
        body, media = campaign_service.render_pdf(report), "application/pdf"
    disposition = f'attachment; filename="campaign-{report.campaign_id}.{kind}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/campaigns/{campaign_id}/export.csv")
def campaign_csv(
    request: Request, campaign_id: CampaignPathId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A campaign's CSV (one line a position, PROPOSED or OPEN with why)."""
    return _campaign_download(request, campaign_id, key, lang_cookie, "csv")


@router.get("/campaigns/{campaign_id}/export.pdf")
def campaign_pdf(
    request: Request, campaign_id: CampaignPathId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A campaign's readable report as PDF."""
    return _campaign_download(request, campaign_id, key, lang_cookie, "pdf")
