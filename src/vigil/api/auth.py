"""Bearer-token authentication and scope checks for integration endpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vigil.api.deps import SessionDep
from vigil.api.errors import error_body
from vigil.errors import AuthError
from vigil.store.registry import ApiToken
from vigil.store.tokens import verify_token

# auto_error=False: a missing header is answered by our 401, in our error shape.
_bearer = HTTPBearer(auto_error=False, description="An API token, vgl_...")

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def require_scope(scope: str) -> Callable[[SessionDep, Credentials], ApiToken]:
    """Return a dependency that admits a live token carrying ``scope``.

    401 when the ``Authorization: Bearer`` header is missing or its token unknown
    or revoked; 403 when the token lacks ``scope``.
    """

    def dependency(session: SessionDep, credentials: Credentials) -> ApiToken:
        """Return the request's token once it is known to carry the scope."""
        if credentials is None:
            raise AuthError(
                "The request carries no API token.",
                hint="Send 'Authorization: Bearer vgl_...'.",
            )
        token = verify_token(session, credentials.credentials)
        if not token.allows(scope):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=error_body(
                    "scope_missing",
                    f"The API token lacks the scope {scope!r}.",
                    hint=f"Use a token created with --scope {scope}.",
                ),
            )
        return token

    return dependency
