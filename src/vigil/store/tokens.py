"""API tokens for integrations: created once, shown once, stored as a hash.

A token is ``vgl_`` and 43 random URL-safe characters (256 bits). The store keeps
its SHA-256 only, so a copy of the database cannot call the API; a fast hash is
enough because the token, unlike a password, cannot be guessed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.errors import AuthError, NotFoundError
from vigil.store.refusals import Refusal, clean_text, refuse, refused_on_conflict
from vigil.store.registry import ApiToken

_LOGGER = logging.getLogger(__name__)

TOKEN_PREFIX = "vgl_"  # noqa: S105  (a marker that makes leaked tokens searchable)
TOKEN_PATTERN = re.compile(r"vgl_[A-Za-z0-9_-]{43}")
# A new scope is added here by the API that checks it.
KNOWN_SCOPES = ("enrol",)


@dataclass(frozen=True)
class IssuedToken:
    """A new token's record and its plaintext, which is shown this one time."""

    token: ApiToken
    plaintext: str = field(repr=False)


def hash_token(plaintext: str) -> str:
    """Return the hexadecimal SHA-256 under which a token is stored."""
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(
    session: Session, *, name: str, scopes: Iterable[str], now: datetime
) -> IssuedToken:
    """Issue a token named ``name`` that carries ``scopes``."""
    name = clean_text(name, "token name", 64)
    granted = sorted(set(scopes))
    if not granted:
        raise refuse(Refusal.VALUE_BLANK, what="token scope")
    for scope in granted:
        if scope not in KNOWN_SCOPES:
            raise refuse(
                Refusal.TOKEN_SCOPE_UNKNOWN, value=scope, known=", ".join(KNOWN_SCOPES)
            )
    taken = refuse(Refusal.TOKEN_NAME_TAKEN, name=name)
    if _active_named(session, name) is not None:
        raise taken

    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_sha256=hash_token(plaintext),
        scopes=" ".join(granted),
        created_at=now,
    )
    with refused_on_conflict(session, taken):
        session.add(token)
    _LOGGER.info("api token %s (%s) created for %s", token.id, name, token.scopes)
    return IssuedToken(token=token, plaintext=plaintext)


def verify_token(session: Session, presented: str) -> ApiToken:
    """Return the live token ``presented`` is, or raise ``AuthError``."""
    token = None
    if TOKEN_PATTERN.fullmatch(presented):
        token = session.scalar(
            select(ApiToken).where(
                ApiToken.token_sha256 == hash_token(presented),
                ApiToken.revoked_at.is_(None),
            )
        )
    if token is None:
        _LOGGER.debug("a presented api token matched no live token")
        raise AuthError(
            "The API token is unknown or revoked.",
            hint="Send a live token as 'Authorization: Bearer vgl_...'.",
        )
    return token


def revoke_token(session: Session, *, name: str, now: datetime) -> ApiToken:
    """Revoke the live token named ``name``; it stops working at once."""
    token = _active_named(session, name)
    if token is None:
        raise NotFoundError(
            f"There is no live token named {name!r}.",
            hint="Check the name; a revoked token stays revoked.",
        )
    token.revoked_at = now
    session.flush()
    _LOGGER.info("api token %s (%s) revoked", token.id, token.name)
    return token


def _active_named(session: Session, name: str) -> ApiToken | None:
    """Return the live token named ``name``, if any."""
    return session.scalar(
        select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
    )
