"""``/api/auth/tokens``: a user's personal API tokens, wrapped like the other auth routes. Sessions only: an API
token cannot make, list or revoke tokens (``CurrentUser`` refuses it)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from avatar_creator.auth import tokens
from avatar_creator.auth.schemas import TokenCreate, TokenRead
from avatar_creator.deps import CurrentUser, DatabaseDep
from avatar_creator.openapi import statuses

router = APIRouter(prefix="/api/auth/tokens", tags=["auth"])


@router.get("")
def list_tokens(user: CurrentUser, database: DatabaseDep) -> dict:
    with database.session(write=False) as session:
        found = tokens.list_for_user(session=session, user_id=user.id)
        return {"success": True, "data": {"tokens": [TokenRead.model_validate(token).dump() for token in found]}}


@router.post("", status_code=status.HTTP_201_CREATED, responses=statuses(409))
def create_token(body: TokenCreate, user: CurrentUser, database: DatabaseDep) -> dict:
    with database.session() as session:
        issued = tokens.create(session=session, user_id=user.id, name=body.name, scopes=list(body.scopes),
                               expires_in_days=body.expires_in_days)
        token = TokenRead.model_validate(issued.token).dump()
    return {"success": True, "data": {"token": token, "secret": issued.secret}}


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, user: CurrentUser, database: DatabaseDep) -> Response:
    with database.session() as session:
        tokens.revoke(session=session, user_id=user.id, token_id=token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
