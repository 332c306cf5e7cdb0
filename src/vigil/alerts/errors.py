"""The failures the alert package raises, under ``VigilError``.

VigilError
├── AlertError      a person's action on an alert is refused; ``code`` names why
└── DeliveryError   a channel could not hand a notification over; ``permanent``
                    says whether trying again can ever help
"""

from __future__ import annotations

from vigil.errors import VigilError


class AlertError(VigilError):
    """An action on an alert is refused; ``code`` is stable and machine-readable."""

    def __init__(self, code: str, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.code = code


class DeliveryError(VigilError):
    """A notification was not delivered; only a permanent failure stops retries."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
