"""The committee's review page: server-rendered, signed in with an API key kept in a cookie.

The cookie is HttpOnly and SameSite=Strict, so forms cannot be posted from another site.
Pages call the same services as the API; nothing here decides anything.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from features.errors import JobfitError
from serving import decisions, exports, shortlists
from serving.auth import AuthError, Principal, authenticate
from serving.decisions import JustificationRequired
from serving.routers.api import ShortlistId

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
        reasons="Alasan utama",
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
        reasons="Main reasons",
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
    """Sign-in form, or the agency's vacancies."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _render(request, "login.html", lang, None)
    engine = request.app.state.engine
    positions: list[dict[str, Any]] = []
    if engine is not None:
        frame = engine.export.positions
        frame = frame[frame["is_vacant"]]
        if who.role == "committee":
            frame = frame[frame["agency_id"] == who.agency_id]
        positions = frame.to_dict("records")
    return _render(
        request,
        "positions.html",
        lang,
        who,
        positions=positions,
        ready=engine is not None,
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
