"""``vigil enroll``: units, subjects and the orders they are monitored under."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from vigil.cli.db import JsonOption, console, fail, print_json, store_session
from vigil.config import Settings
from vigil.store import enrolment
from vigil.store.refusals import zone_named
from vigil.store.registry import DEFAULT_TIMEZONE, OrderKind, UnitLevel, find_subject

app = typer.Typer(no_args_is_help=True)

Day = Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD.")]


@app.command()
def unit(
    code: Annotated[str, typer.Option(help="Official administrative code.")],
    name: Annotated[str, typer.Option(help="Official name.")],
    level: Annotated[UnitLevel, typer.Option(help="province, commune or ward.")],
    parent: Annotated[
        str | None, typer.Option(help="Code of the province of a commune or ward.")
    ] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = DEFAULT_TIMEZONE,
    as_json: JsonOption = False,
) -> None:
    """Create a province, or a commune or ward under its province."""
    with store_session() as session:
        created = enrolment.create_unit(
            session,
            code=code,
            name=name,
            level=level,
            parent_code=parent,
            timezone=timezone,
            now=datetime.now(UTC),
        )
    if as_json:
        print_json({"id": created.id, "code": created.code, "level": created.level})
    else:
        console.print(f"Unit {created.code} created (id {created.id}).")


@app.command()
def subject(
    unit: Annotated[str, typer.Option(help="Code of the subject's unit.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    dob: Day,
    national_id: Annotated[str | None, typer.Option(help="National id number.")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number.")] = None,
    address: Annotated[str | None, typer.Option(help="Address of residence.")] = None,
    officer: Annotated[
        int | None, typer.Option(help="Case officer's staff id.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Enrol a person to supervise; the order comes next (vigil enroll order)."""
    with store_session() as session:
        created = enrolment.create_subject(
            session,
            unit_code=unit,
            full_name=name,
            date_of_birth=dob.date(),
            national_id=national_id,
            phone=phone,
            address=address,
            officer_id=officer,
            now=datetime.now(UTC),
        )
    # Only the id: the personal data just typed need not be echoed to the screen.
    if as_json:
        print_json({"id": created.id, "unit": unit})
    else:
        console.print(f"Subject {created.id} enrolled in unit {unit}.")


@app.command()
def order(
    subject: Annotated[int, typer.Option(help="The subject's id.")],
    decision: Annotated[str, typer.Option(help="Decision number (số quyết định).")],
    authority: Annotated[str, typer.Option(help="Issuing authority.")],
    kind: Annotated[OrderKind, typer.Option(help="Kind of order.")],
    start: Annotated[
        str, typer.Option(help="First moment in force: YYYY-MM-DD or ISO 8601.")
    ],
    end: Annotated[
        str, typer.Option(help="First moment no longer in force (exclusive).")
    ],
    conditions: Annotated[
        str, typer.Option(help="Conditions of the order as a JSON object.")
    ] = "{}",
    as_json: JsonOption = False,
) -> None:
    """Record the order a subject is monitored under.

    A date or time without an offset is read in the subject's unit's time zone,
    so --start 2026-01-01 means midnight local time.
    """
    starts, ends = _instant(start, "--start"), _instant(end, "--end")
    terms = _json_object(conditions)
    settings = Settings.from_env()
    with store_session(settings) as session:
        zone = zone_named(find_subject(session, subject).unit.timezone)
        created = enrolment.create_order(
            session,
            settings,
            subject_id=subject,
            decision_number=decision,
            issuing_authority=authority,
            kind=kind,
            starts_at=starts if starts.tzinfo else starts.replace(tzinfo=zone),
            ends_at=ends if ends.tzinfo else ends.replace(tzinfo=zone),
            conditions=terms,
            now=datetime.now(UTC),
        )
    if as_json:
        print_json(
            {
                "id": created.id,
                "subject_id": created.subject_id,
                "starts_at": created.starts_at.isoformat(),
                "ends_at": created.ends_at.isoformat(),
            }
        )
    else:
        console.print(
            f"Order {created.id} recorded for subject {created.subject_id}, in force "
            f"from {created.starts_at.astimezone(zone):%Y-%m-%d %H:%M} until "
            f"{created.ends_at.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})."
        )


@app.command("end-order")
def end_order(
    order_id: Annotated[int, typer.Argument(help="The order's id.")],
    reason: Annotated[str, typer.Option(help="Why the order ends early.")],
) -> None:
    """End an order before its term; a device worn under it is unassigned."""
    with store_session() as session:
        ended = enrolment.end_order_early(
            session, order_id, reason=reason, now=datetime.now(UTC)
        )
    console.print(f"Order {ended.id} ended early.")


def _instant(text: str, option: str) -> datetime:
    """Parse a date or an ISO 8601 time; the result is naive without an offset."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        fail(
            f"{option} {text!r} is not a date or time.",
            "Write YYYY-MM-DD, or e.g. 2026-01-01T08:00+07:00.",
        )


def _json_object(text: str) -> dict[str, Any]:
    """Parse the conditions, which must be a JSON object."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"--conditions is not JSON: {exc.msg}.", 'Write e.g. {"curfew": true}.')
    if not isinstance(value, dict):
        fail("--conditions is not a JSON object.", 'Write e.g. {"curfew": true}.')
    return value
