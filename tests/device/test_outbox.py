from __future__ import annotations

from pathlib import Path

import pytest

from vigil.device import Outbox
from vigil.errors import DeviceClientError
from vigil.protocol import DeviceKey, Fix, Vitals, decode_batch, decode_envelope

KEY = DeviceKey.from_seed(bytes(range(32)))
T0_MS = 1_796_000_000_000


def fixes(n: int, start: int = 0) -> list[Fix]:
    return [
        Fix(t_ms=T0_MS + 1000 * i, lat=21.0, lon=105.8, accuracy_m=5.0)
        for i in range(start, start + n)
    ]


def test_records_survive_reopening_the_file(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "q.db")
    outbox.append(fixes(7))
    outbox.close()

    assert Outbox(tmp_path / "q.db").pending_count() == 7


def test_sealed_batch_is_resent_byte_for_byte_until_acknowledged(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "q.db")
    outbox.append(fixes(120))

    first = outbox.next_sealed("VG-1", KEY, 50, T0_MS)
    again = outbox.next_sealed("VG-1", KEY, 50, T0_MS + 99_000)

    assert first == again
    assert first is not None
    assert first.seq == 1
    assert first.record_count == 50
    assert outbox.pending_count() == 120


def test_acknowledgement_forgets_the_batch_and_the_next_one_follows(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "q.db")
    outbox.append(fixes(120))
    first = outbox.next_sealed("VG-1", KEY, 50, T0_MS)
    assert first is not None

    outbox.acknowledge(first.seq)
    second = outbox.next_sealed("VG-1", KEY, 50, T0_MS)

    assert second is not None
    assert second.seq == 2
    batch = decode_batch(decode_envelope(second.upload).body)
    assert [r.t_ms for r in batch.records] == [r.t_ms for r in fixes(50, start=50)]
    assert outbox.pending_count() == 70


def test_renumbering_keeps_every_record_under_a_higher_sequence(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "q.db")
    outbox.append(fixes(10))
    sealed = outbox.next_sealed("VG-1", KEY, 50, T0_MS)
    assert sealed is not None

    outbox.renumber(sealed, 41, "VG-1", KEY, T0_MS)
    renumbered = outbox.next_sealed("VG-1", KEY, 50, T0_MS)

    assert renumbered is not None
    assert renumbered.seq == 42
    records = decode_batch(decode_envelope(renumbered.upload).body).records
    assert records == fixes(10)


def test_dropped_batch_does_not_reuse_its_sequence(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "q.db")
    outbox.append(fixes(60))
    sealed = outbox.next_sealed("VG-1", KEY, 50, T0_MS)
    assert sealed is not None

    outbox.drop(sealed.seq)
    following = outbox.next_sealed("VG-1", KEY, 50, T0_MS)

    assert following is not None
    assert following.seq == 2
    assert outbox.pending_count() == 10


def test_empty_outbox_seals_nothing(tmp_path: Path) -> None:
    assert Outbox(tmp_path / "q.db").next_sealed("VG-1", KEY, 50, T0_MS) is None


def test_reading_out_of_range_is_refused_before_it_can_spoil_a_batch(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "q.db")
    glitch = Vitals(t_ms=T0_MS, spo2_pct=101.0)

    with pytest.raises(DeviceClientError, match="out of range"):
        outbox.append([*fixes(3), glitch])

    assert outbox.pending_count() == 0
