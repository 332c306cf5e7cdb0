"""``vigil device``: register bracelets, put them on subjects, take them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from vigil.cli.db import JsonOption, console, error_console, print_json, store_session
from vigil.store import enrolment
from vigil.store.registry import Device, DeviceAssignment, DeviceState

app = typer.Typer(no_args_is_help=True)

Serial = Annotated[str, typer.Argument(help="The serial printed on the bracelet.")]


@app.command()
def register(
    serial: Serial,
    firmware: Annotated[str | None, typer.Option(help="Firmware version.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a bracelet and print its private key seed, this one time."""
    with store_session() as session:
        provisioned = enrolment.register_device(
            session, serial=serial, firmware=firmware, now=datetime.now(UTC)
        )
    # Printed only once the device is committed, so a seed shown is a seed kept.
    device = provisioned.device
    if as_json:
        print_json(
            {"id": device.id, "serial": device.serial, "seed_hex": provisioned.seed_hex}
        )
        return
    console.print(f"Device {device.serial} registered (id {device.id}), in stock.")
    console.print(f"Private key seed: {provisioned.seed_hex}", markup=False)
    error_console.print(
        "Write this seed into the bracelet now and keep no other copy: Vigil stores "
        "only the public key and cannot show the seed again.",
        style="bold yellow",
    )


@app.command()
def assign(
    serial: Serial,
    subject: Annotated[int, typer.Option(help="Id of the subject who wears it.")],
    order: Annotated[int, typer.Option(help="Id of the subject's order in force.")],
) -> None:
    """Put a bracelet on a subject under an order in force."""
    with store_session() as session:
        assignment = enrolment.assign_device(
            session,
            serial=serial,
            subject_id=subject,
            order_id=order,
            now=datetime.now(UTC),
        )
    console.print(
        f"Device {serial} assigned to subject {subject} under order {order} "
        f"(assignment {assignment.id})."
    )


@app.command()
def unassign(serial: Serial) -> None:
    """Take a bracelet off its wearer and return it to stock."""
    with store_session() as session:
        assignment = enrolment.unassign_device(
            session, serial=serial, now=datetime.now(UTC)
        )
    console.print(
        f"Device {serial} unassigned from subject {assignment.subject_id}; in stock."
    )


@app.command()
def retire(serial: Serial) -> None:
    """Take a bracelet out of service for good; unassign it first."""
    with store_session() as session:
        enrolment.retire_device(session, serial=serial, now=datetime.now(UTC))
    console.print(f"Device {serial} retired.")


@app.command("list")
def list_devices(
    state: Annotated[
        DeviceState | None, typer.Option(help="Show only devices in this state.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List bracelets with their state and current wearer's id."""
    query = (
        select(Device, DeviceAssignment)
        .outerjoin(
            DeviceAssignment,
            (DeviceAssignment.device_id == Device.id)
            & DeviceAssignment.unassigned_at.is_(None),
        )
        .order_by(Device.serial)
    )
    if state is not None:
        query = query.where(Device.state == state)
    with store_session() as session:
        rows = [
            {
                "id": device.id,
                "serial": device.serial,
                "state": device.state,
                "firmware": device.firmware,
                "registered_at": device.registered_at.isoformat(),
                "subject_id": assignment.subject_id if assignment else None,
                "order_id": assignment.order_id if assignment else None,
            }
            for device, assignment in session.execute(query)
        ]
    if as_json:
        print_json(rows)
    else:
        console.print(_table(rows))


def _table(rows: Sequence[Mapping[str, object]]) -> Table:
    """Return the devices as a table for people."""
    table = Table("serial", "state", "firmware", "registered (UTC)", "subject", "order")
    for row in rows:
        table.add_row(
            str(row["serial"]),
            str(row["state"]),
            str(row["firmware"] or ""),
            str(row["registered_at"])[:16].replace("T", " "),
            str(row["subject_id"] or ""),
            str(row["order_id"] or ""),
        )
    return table
