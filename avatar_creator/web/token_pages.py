"""The tokens section of the account page: make a personal API token (its secret shown once), list and revoke them.
It is its own template include (``partials/tokens_section.html``), served here on ``/account/tokens``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from avatar_creator.auth import tokens
from avatar_creator.auth.models import User
from avatar_creator.auth.schemas import TokenCreate
from avatar_creator.db import Database
from avatar_creator.deps import DatabaseDep
from avatar_creator.web import forms
from avatar_creator.web.errors import WEB_TAG
from avatar_creator.web.rendering import redirect, render
from avatar_creator.web.session import FormDep, VerifiedUser, WebUser

router = APIRouter(tags=[WEB_TAG], include_in_schema=False)
PAGE = "/account/tokens"
SCOPE_LABELS = {"avatars:read": "Read avatars (list, view, download)",
                "avatars:usage": "Record avatar usage",
                "generate": "Generate avatars (spends your credits)"}


def _page(request: Request, database: Database, user: User, *, status_code: int = 200, **context) -> Response:
    with database.session(write=False) as session:
        found = tokens.list_for_user(session=session, user_id=user.id)
    return render(request, "account_tokens.html", {"tokens": found, "scope_labels": SCOPE_LABELS, "errors": {},
                                                   "values": {}, "chosen_scopes": [], **context},
                  user=user, status_code=status_code, page_url=PAGE)


@router.get(PAGE)
def tokens_page(request: Request, user: WebUser, database: DatabaseDep) -> Response:
    return _page(request, database, user)


@router.post(PAGE)
def create_token(request: Request, user: VerifiedUser, form: FormDep, database: DatabaseDep) -> Response:
    """The new token's secret is in this answer only: never in a redirect, a cookie or a log."""
    data = {"name": form.get("name"), "scopes": form.getlist("scopes"),
            "expiresInDays": form.get("expiresInDays") or None}
    body, errors = forms.validate(TokenCreate, data)
    if body is None:
        return _page(request, database, user, status_code=400, errors=errors, values=form,
                     chosen_scopes=form.getlist("scopes"))
    with database.session() as session:
        issued = tokens.create(session=session, user_id=user.id, name=body.name, scopes=list(body.scopes),
                               expires_in_days=body.expires_in_days)
    return _page(request, database, user, created=issued)


@router.post(PAGE + "/{token_id}/revoke")
def revoke_token(token_id: str, user: VerifiedUser, database: DatabaseDep) -> Response:
    with database.session() as session:
        tokens.revoke(session=session, user_id=user.id, token_id=token_id)
    return redirect(PAGE, flash="Token revoked: it stopped working at once.")
