"""What every page shares: templates, the key and language cookies, rendering, the signed-in caller.

The cookie is HttpOnly and SameSite=Strict, so forms cannot be posted from another site.
Pages call the same services as the API; nothing here decides anything. The page's words are in
the message catalogues (``features/locales/<lang>/page.yaml``); templates get them as ``t``.

A page that needs a signed-in caller takes :data:`SignedIn` (a :class:`Page`: language, caller,
database, engine). Without a valid key cookie the dependency raises :class:`SignInRequired`, and
the routes of :func:`page_router` answer it once, with a redirect to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Cookie, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from features import i18n
from features.errors import AuthError
from serving.auth import Principal, authenticate
from serving.engine import Engine
from serving.routers.deps import runtime
from serving.runtime import Runtime

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")
KEY_COOKIE, LANG_COOKIE = "ajf_key", "ajf_lang"

Key = Annotated[str | None, Cookie(alias=KEY_COOKIE)]
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


def _who(request: Request, key: str | None) -> Principal | None:
    """The caller of an API key, None when there is none or it is not valid."""
    if not key:
        return None
    try:
        return authenticate(request.app.state.db, f"Bearer {key}")
    except AuthError:
        return None


def _render(
    request: Request, name: str, lang: str, who: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """The template ``name`` with the page's words in ``lang`` as ``t``; keeps a chosen language."""
    words = i18n.section("page", i18n.language(lang))
    response = templates.TemplateResponse(
        request, name, {"lang": lang, "t": words, "who": who, **context}, status_code=status
    )
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True)
    return response


def _to_login() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def page_language(request: Request, lang_cookie: LangCookie = None) -> str:
    """Dependency: the language of this page call."""
    return _lang(request, lang_cookie)


PageLang = Annotated[str, Depends(page_language)]


class SignInRequired(Exception):
    """No valid key cookie (or nothing to show before the service is ready): go and sign in."""


@dataclass(frozen=True)
class Page:
    """One page call by a signed-in caller: its request, language and principal."""

    request: Request
    lang: str
    who: Principal
    runtime: Runtime
    """The runtime in use when the call began (kept to its end, even across a reload)."""

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


def signed_in(request: Request, lang: PageLang, key: Key = None) -> Page:
    """Dependency: the page call of a signed-in caller; raises SignInRequired without one."""
    who = _who(request, key)
    if who is None:
        raise SignInRequired
    return Page(request, lang, who, runtime(request))


SignedIn = Annotated[Page, Depends(signed_in)]


class PageRoute(APIRoute):
    """A page route: SignInRequired, from the dependency or the handler, is a 303 to sign-in."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                return _to_login()

        return route


def page_router() -> APIRouter:
    """A router of pages: left out of the OpenAPI schema, sign-in handled by PageRoute."""
    return APIRouter(include_in_schema=False, route_class=PageRoute)
