from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.store.builders import NOW, migrated_store, open_session, snapshot
from vigil.errors import AuthError, EnrolmentError, NotFoundError
from vigil.store.tokens import create_token, hash_token, revoke_token, verify_token


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with open_session(migrated_store(tmp_path)) as session:
        yield session


def test_token_is_shown_once_and_stored_only_as_its_hash(session: Session) -> None:
    issued = create_token(session, name="provisioning", scopes=["enrol"], now=NOW)

    assert issued.plaintext.startswith("vgl_")
    assert issued.token.token_sha256 == hash_token(issued.plaintext)
    stored = [value for row in snapshot(session)["api_tokens"] for value in row]
    assert issued.plaintext not in stored
    assert issued.plaintext not in repr(issued)


def test_a_live_token_verifies(session: Session) -> None:
    issued = create_token(session, name="provisioning", scopes=["enrol"], now=NOW)

    assert verify_token(session, issued.plaintext).id == issued.token.id


@pytest.mark.parametrize(
    "presented", ["", "vgl_", "Bearer vgl_x", "vgl_" + "A" * 43, "x" * 5000]
)
def test_an_unknown_token_is_refused(session: Session, presented: str) -> None:
    create_token(session, name="provisioning", scopes=["enrol"], now=NOW)

    with pytest.raises(AuthError):
        verify_token(session, presented)


def test_a_revoked_token_is_refused_and_its_name_may_be_reused(
    session: Session,
) -> None:
    old = create_token(session, name="provisioning", scopes=["enrol"], now=NOW)

    revoked = revoke_token(session, name="provisioning", now=NOW + timedelta(days=1))
    new = create_token(session, name="provisioning", scopes=["enrol"], now=NOW)

    assert revoked.revoked_at == NOW + timedelta(days=1)
    with pytest.raises(AuthError):
        verify_token(session, old.plaintext)
    assert verify_token(session, new.plaintext).id == new.token.id


def test_a_second_live_token_of_the_same_name_is_refused(session: Session) -> None:
    create_token(session, name="provisioning", scopes=["enrol"], now=NOW)
    before = snapshot(session)

    with pytest.raises(EnrolmentError, match="already in use") as caught:
        create_token(session, name="provisioning", scopes=["enrol"], now=NOW)

    assert caught.value.code == "token_name_taken"
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("scopes", "code"), [([], "value_blank"), (["enroll"], "token_scope_unknown")]
)
def test_a_token_without_a_known_scope_is_refused(
    session: Session, scopes: list[str], code: str
) -> None:
    with pytest.raises(EnrolmentError) as caught:
        create_token(session, name="typo", scopes=scopes, now=NOW)

    assert caught.value.code == code
    assert snapshot(session)["api_tokens"] == []


def test_revoking_an_unknown_token_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError, match="nobody"):
        revoke_token(session, name="nobody", now=NOW)
