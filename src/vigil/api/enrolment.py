"""Enrolment over HTTP: units, subjects, orders, devices and assignments.

Every endpoint needs an API token with the scope ``enrol``. Errors come in the
shape of ``vigil.api.errors``: 409 with the rule's ``code`` when the registry
refuses a step (a minor, an order not in force, a device already worn, ...),
404 when a named record does not exist, 422 when the request is malformed.
Responses about a subject carry ids, not the personal data just submitted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from vigil.api.auth import require_scope
from vigil.api.deps import NowDep, SessionDep, SettingsDep, commit
from vigil.store import enrolment
from vigil.store.registry import (
    DEFAULT_TIMEZONE,
    Device,
    DeviceAssignment,
    OrderKind,
    UnitLevel,
    find_device,
    open_assignment,
)

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_scope("enrol"))])

Serial = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class _Request(BaseModel):
    """A request body: unknown fields are refused rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class UnitIn(_Request):
    """A unit to create; communes and wards name their province."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    level: UnitLevel
    parent_code: str | None = Field(default=None, max_length=32)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)


class UnitOut(BaseModel):
    """A unit as stored."""

    id: int
    code: str
    name: str
    level: str
    parent_code: str | None
    timezone: str
    created_at: datetime


class SubjectIn(_Request):
    """A person to supervise."""

    unit_code: str = Field(min_length=1, max_length=32)
    full_name: str = Field(min_length=1, max_length=200)
    date_of_birth: date
    national_id: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    officer_id: int | None = None


class SubjectOut(BaseModel):
    """The new subject's identifiers; the personal data stays where it was sent."""

    id: int
    unit_code: str
    officer_id: int | None
    created_at: datetime


class OrderIn(_Request):
    """The decision that allows monitoring, with its period (end exclusive)."""

    decision_number: str = Field(min_length=1, max_length=64)
    issuing_authority: str = Field(min_length=1, max_length=200)
    kind: OrderKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    conditions: dict[str, Any] = Field(default_factory=dict)


class OrderOut(BaseModel):
    """An order as stored."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_id: int
    decision_number: str
    issuing_authority: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    conditions: dict[str, Any]
    ended_early_at: datetime | None
    end_reason: str | None
    created_at: datetime


class DeviceIn(_Request):
    """A bracelet to register."""

    serial: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    firmware: str | None = Field(default=None, max_length=64)


class AssignmentIn(_Request):
    """Who wears the device, under which order."""

    subject_id: int
    order_id: int


class AssignmentOut(BaseModel):
    """A device assignment; ``unassigned_at`` is empty while it is worn."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: int
    subject_id: int
    order_id: int
    assigned_at: datetime
    unassigned_at: datetime | None


class DeviceOut(BaseModel):
    """A device, its public key and the assignment it is worn under, if any."""

    id: int
    serial: str
    state: str
    firmware: str | None
    public_key_hex: str
    registered_at: datetime
    retired_at: datetime | None
    assignment: AssignmentOut | None


class ProvisionedDeviceOut(BaseModel):
    """A new device and its private seed: store it in the bracelet, nowhere else."""

    device: DeviceOut
    seed_hex: str


@router.post("/units", status_code=status.HTTP_201_CREATED)
def create_unit(body: UnitIn, session: SessionDep, now: NowDep) -> UnitOut:
    """Create a province, or a commune or ward under its province."""
    unit = enrolment.create_unit(
        session,
        code=body.code,
        name=body.name,
        level=body.level,
        parent_code=body.parent_code,
        timezone=body.timezone,
        now=now,
    )
    commit(session)
    return UnitOut(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        level=unit.level,
        parent_code=unit.parent.code if unit.parent else None,
        timezone=unit.timezone,
        created_at=unit.created_at,
    )


@router.post("/subjects", status_code=status.HTTP_201_CREATED)
def create_subject(body: SubjectIn, session: SessionDep, now: NowDep) -> SubjectOut:
    """Enrol a person to supervise in a unit."""
    subject = enrolment.create_subject(session, **body.model_dump(), now=now)
    commit(session)
    return SubjectOut(
        id=subject.id,
        unit_code=subject.unit.code,
        officer_id=subject.officer_id,
        created_at=subject.created_at,
    )


@router.post("/subjects/{subject_id}/orders", status_code=status.HTTP_201_CREATED)
def create_order(
    subject_id: int,
    body: OrderIn,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> OrderOut:
    """Record the order under which the subject may be monitored."""
    order = enrolment.create_order(
        session, settings, subject_id=subject_id, **body.model_dump(), now=now
    )
    commit(session)
    return OrderOut.model_validate(order)


@router.post("/devices", status_code=status.HTTP_201_CREATED)
def register_device(
    body: DeviceIn, session: SessionDep, now: NowDep, response: Response
) -> ProvisionedDeviceOut:
    """Register a bracelet; its private seed is in this answer and nowhere else."""
    provisioned = enrolment.register_device(
        session, serial=body.serial, firmware=body.firmware, now=now
    )
    commit(session)
    response.headers["Cache-Control"] = "no-store"
    return ProvisionedDeviceOut(
        device=_device_out(provisioned.device, None), seed_hex=provisioned.seed_hex
    )


@router.post("/devices/{serial}/assignment", status_code=status.HTTP_201_CREATED)
def assign_device(
    serial: Serial, body: AssignmentIn, session: SessionDep, now: NowDep
) -> AssignmentOut:
    """Put the device on a subject under one of the subject's orders in force."""
    assignment = enrolment.assign_device(
        session,
        serial=serial,
        subject_id=body.subject_id,
        order_id=body.order_id,
        now=now,
    )
    commit(session)
    return AssignmentOut.model_validate(assignment)


@router.delete("/devices/{serial}/assignment")
def unassign_device(serial: Serial, session: SessionDep, now: NowDep) -> AssignmentOut:
    """Take the device off its wearer; the closed assignment is returned."""
    assignment = enrolment.unassign_device(session, serial=serial, now=now)
    commit(session)
    return AssignmentOut.model_validate(assignment)


@router.get("/devices/{serial}")
def get_device(serial: Serial, session: SessionDep) -> DeviceOut:
    """Return the device and the assignment it is worn under, if any."""
    device = find_device(session, serial)
    return _device_out(device, open_assignment(session, device))


def _device_out(device: Device, assignment: DeviceAssignment | None) -> DeviceOut:
    """Return the API view of ``device`` and its open assignment."""
    return DeviceOut(
        id=device.id,
        serial=device.serial,
        state=device.state,
        firmware=device.firmware,
        public_key_hex=device.public_key.hex(),
        registered_at=device.registered_at,
        retired_at=device.retired_at,
        assignment=None
        if assignment is None
        else AssignmentOut.model_validate(assignment),
    )
