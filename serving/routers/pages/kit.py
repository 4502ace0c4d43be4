"""What every page shares: templates, the session and language cookies, CSRF, the caller.

The session cookie holds a random session id (never a key; the database keeps its hash only),
HttpOnly, SameSite=Strict, and Secure when the request came over HTTPS. Every form carries a
CSRF token bound to that cookie (or, before sign-in, to a pre-session cookie, so that nobody can
sign a browser in as someone else); :class:`PageRoute` checks it on every unsafe request.
Pages call the same services and the same policy (:class:`~serving.routers.deps.Access`) as the
API; nothing here decides anything. The page's words are in the message catalogues
(``features/locales/<lang>/page.yaml``); templates get them as ``t`` and the token's hidden field
as ``csrf_input``.

A page that needs a signed-in caller takes :data:`SignedIn` (a :class:`Page`: language, caller,
access, database, engine). Without a live session the dependency raises
:class:`SignInRequired`, and the routes of :func:`page_router` answer it once, with a redirect
to the sign-in page.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Cookie, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from features import i18n
from features.errors import AuthError, ForbiddenError
from serving import errors
from serving.auth import Principal, csrf_token, session_principal
from serving.engine import Engine
from serving.routers.deps import Access, access_of, runtime
from serving.runtime import Runtime

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")
SESSION_COOKIE, PRE_COOKIE, LANG_COOKIE = "ajf_session", "ajf_pre", "ajf_lang"
CSRF_FIELD, CSRF_HEADER = "csrf_token", "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

LangCookie = Annotated[str | None, Cookie(alias=LANG_COOKIE)]


def current_engine(request: Request) -> Engine | None:
    """The serving engine, None while the service is not ready (the one place pages read it)."""
    return runtime(request).engine


def not_ready_reason(request: Request) -> str | None:
    """Why there is no engine (the load error, or "starting"); None once it is ready."""
    return runtime(request).reason


def _lang(request: Request, cookie: str | None) -> str:
    """The page's language: ``?lang=``, else the cookie, else Indonesian (exact codes only)."""
    wanted = request.query_params.get("lang") or cookie or i18n.DEFAULT_LANGUAGE
    return wanted if wanted in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def _who(request: Request) -> Principal | None:
    """The caller of the request's session cookie, None without a live session."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    try:
        return session_principal(request.app.state.db, session_id)
    except AuthError:
        return None


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """An HttpOnly, SameSite=Strict cookie; Secure when the request came over HTTPS."""
    secure = request.url.scheme == "https"
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=secure)


def _csrf_base(request: Request) -> str | None:
    """The cookie the CSRF token is bound to: the session's, else the pre-session one."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


async def check_csrf(request: Request) -> None:
    """Raise ForbiddenError unless the posted token (field or header) matches the cookie's."""
    base = _csrf_base(request)
    sent = [request.headers.get(CSRF_HEADER)]
    if "form" in request.headers.get("content-type", ""):
        sent.append((await request.form()).get(CSRF_FIELD))  # type: ignore[arg-type]
    expected = csrf_token(base) if base else None
    if not expected or not any(
        isinstance(token, str) and hmac.compare_digest(token, expected) for token in sent
    ):
        raise ForbiddenError("the form's CSRF token is missing or does not match: reload the page")


def _stale(request: Request, who: Principal | None) -> dict[str, Any] | None:
    """The export's date and age when it is older than ``stale_after_days`` (shown signed in)."""
    engine = current_engine(request)
    if who is None or engine is None:
        return None
    if engine.export_age_days <= request.app.state.settings.stale_after_days:
        return None
    return {"as_of": engine.as_of.date().isoformat(), "days": engine.export_age_days}


def _render(
    request: Request, name: str, lang: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """The template ``name`` with the page's words in ``lang`` as ``t``; keeps a chosen language.

    Every page gets ``csrf_input``, the hidden field its forms carry; a caller without any
    cookie gets a pre-session cookie to bind it to.
    """
    words = i18n.section("page", i18n.language(lang))
    base, fresh = _csrf_base(request), None
    if base is None:
        base = fresh = secrets.token_urlsafe(32)
    token = csrf_token(base)
    field = Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)
    shared = {"lang": lang, "t": words, "who": who, "csrf_token": token, "csrf_input": field}
    response = templates.TemplateResponse(
        request, name, {**shared, "stale": _stale(request, who), **context}, status_code=status
    )
    if fresh is not None:
        set_cookie(request, response, PRE_COOKIE, fresh)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        set_cookie(request, response, LANG_COOKIE, lang)
    return response


def _to_login() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def page_language(request: Request, lang_cookie: LangCookie = None) -> str:
    """Dependency: the language of this page call."""
    return _lang(request, lang_cookie)


PageLang = Annotated[str, Depends(page_language)]


class SignInRequired(Exception):
    """No live session (or nothing to show before the service is ready): go and sign in."""


@dataclass(frozen=True)
class Page:
    """One page call by a signed-in caller: its request, language, principal and access."""

    request: Request
    lang: str
    who: Principal
    runtime: Runtime
    """The runtime in use when the call began (kept to its end, even across a reload)."""
    access: Access
    """The caller under the one policy (the API's own)."""

    @property
    def db(self) -> sa.Engine:
        """The service's database."""
        return self.request.app.state.db

    @property
    def engine(self) -> Engine | None:
        """The serving engine, None while the service is not ready."""
        return self.runtime.engine

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """The template ``name`` for this caller in this language."""
        return _render(self.request, name, self.lang, self.who, status, **context)


def signed_in(request: Request, lang: PageLang) -> Page:
    """Dependency: the page call of a signed-in caller; raises SignInRequired without one."""
    who = _who(request)
    if who is None:
        raise SignInRequired
    db = request.app.state.db
    return Page(request, lang, who, runtime(request), access_of(db, who))


SignedIn = Annotated[Page, Depends(signed_in)]


class PageRoute(APIRoute):
    """A page route: checks the CSRF token of an unsafe request that carries a cookie (and of
    every sign-in); SignInRequired, from the dependency or the handler, is a 303 to sign-in.

    An unsafe request without any cookie cannot act (no session): it goes to sign-in.
    """

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            if request.method in UNSAFE and (_csrf_base(request) or request.url.path == "/login"):
                try:
                    await check_csrf(request)
                except ForbiddenError as error:
                    return errors.problem_of(error)
            try:
                return await handler(request)
            except SignInRequired:
                return _to_login()

        return route


def page_router() -> APIRouter:
    """A router of pages: left out of the OpenAPI schema, sign-in handled by PageRoute."""
    return APIRouter(include_in_schema=False, route_class=PageRoute)
