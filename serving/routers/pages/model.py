"""The model page: the model in use, its age against the configured maximum, and its card."""

from __future__ import annotations

from fastapi.responses import HTMLResponse, Response

from features import i18n
from serving.model_info import card_html, model_age
from serving.routers.pages.kit import SignedIn, page_router

router = page_router()


@router.get("/model", response_class=HTMLResponse)
def model_page(page: SignedIn) -> Response:
    """The model card of the champion in use (every signed-in role reads it: ``model.read``)."""
    page.access.allowed("model.read")
    words = i18n.section("page", page.lang)
    if page.engine is None:
        message = f"{words['not_ready']}: {page.runtime.reason or ''}".rstrip(": ")
        return page.render("message.html", status=503, title=words["model_page"], message=message)
    bundle = page.engine.bundle
    age = model_age(bundle, page.request.app.state.settings.max_model_age_days)
    return page.render(
        "model.html",
        bundle=bundle,
        age=age,
        card=card_html(bundle.model_card) if bundle.model_card else None,
        backend=page.engine.predictor.backend,
    )
