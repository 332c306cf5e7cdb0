"""Every failure Vigil raises on purpose, in one tree.

    VigilError                 base: ``message`` says what was wrong, ``hint`` what
                               to do about it
    ├── ConfigError            a setting is missing or malformed
    ├── ProtocolError          bytes from a bracelet cannot be accepted; ``code`` is the
    │                          stable rejection code of docs/protocol.md, ``acked_seq``
    │                          the device's stored high-water mark where it helps
    ├── EnrolmentError         a unit, subject, order, device or assignment is refused;
    │                          ``code`` names the rule that refused it
    ├── NotFoundError          a named record does not exist
    ├── AuthError              missing or invalid credentials
    ├── StoreUnavailableError  the store could not commit; nothing was stored
    └── DeviceClientError      the reference bracelet client cannot go on

This module imports nothing of Vigil's, so every layer, ``protocol`` included, may
raise from this one tree.
"""

from __future__ import annotations


class VigilError(Exception):
    """Base of every error Vigil raises on purpose."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigError(VigilError):
    """A setting is missing or malformed."""


class ProtocolError(VigilError):
    """An uplink cannot be accepted; ``code`` is stable and machine-readable."""

    def __init__(
        self, code: str, message: str, *, hint: str = "", acked_seq: int | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.acked_seq = acked_seq


class EnrolmentError(VigilError):
    """An enrolment step is refused; ``code`` names the rule."""

    def __init__(self, code: str, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.code = code


class NotFoundError(VigilError):
    """A named record does not exist."""


class AuthError(VigilError):
    """Missing or invalid credentials."""


class StoreUnavailableError(VigilError):
    """The store could not commit; nothing was stored."""


class DeviceClientError(VigilError):
    """The reference bracelet client cannot go on."""
