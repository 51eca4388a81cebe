"""Arrow's CSV reader reads the export at most AHEAD blocks ahead of the batches the importer has
taken (its memory, not the file's size), and a row across blocks (more reads than batches) is
read, or refused as Arrow refuses it unpaced, never waited on forever."""

from __future__ import annotations

import csv
import io
import threading
import time
from pathlib import Path

import pytest

from syria_conflict_events.importers import arrow_read


def _export(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["id", "note"], *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _read(path: Path) -> list[tuple[int, str, str]]:
    shape = arrow_read.header_of(path, ["id"])
    assert shape is not None
    header, lines = shape
    out = []
    for row_lines, columns in arrow_read.text_batches(path, header, lines, ["id", "note"]):
        out += zip(row_lines.to_pylist(), columns["id"].to_pylist(), columns["note"].to_pylist(), strict=True)
    return out


def test_reads_stay_within_ahead_of_the_batches_taken(tmp_path, monkeypatch):
    monkeypatch.setattr(arrow_read, "BLOCK_BYTES", 4096)
    rows = [[str(i), f"note {i} " + "x" * 60] for i in range(3000)]  # ≈ 60 blocks
    path = _export(tmp_path / "export.csv", rows)
    ahead: list[int] = []
    paced = arrow_read._Paced

    class Watched(paced):
        def read(self, size=-1):
            data = super().read(size)
            if not self._waiting:
                ahead.append(self._reads - self._taken)
            return data

    monkeypatch.setattr(arrow_read, "_Paced", Watched)
    shape = arrow_read.header_of(path, ["id"])
    assert shape is not None
    seen = 0
    for row_lines, _ in arrow_read.text_batches(path, *shape, ["id"]):
        seen += len(row_lines)
        time.sleep(0.01)  # a slow consumer: unpaced, Arrow would read the whole file ahead
    assert seen == len(rows)
    assert ahead and max(ahead) <= arrow_read.AHEAD


def _in_thread(path: Path) -> list:
    result: list = []

    def run() -> None:
        try:
            result.append(_read(path))
        except arrow_read.NotColumnar as exc:
            result.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the paced reading waited forever"
    return result


@pytest.mark.parametrize("ahead", [1, 3])
def test_rows_across_blocks_are_read_or_refused_never_waited_on(tmp_path, monkeypatch, ahead):
    monkeypatch.setattr(arrow_read, "BLOCK_BYTES", 1024)
    monkeypatch.setattr(arrow_read, "AHEAD", ahead)
    # A row across two blocks: read, with the line after its line break counted.
    note = "a note, with commas\nand a line break " + "y" * 1200
    path = _export(tmp_path / "two.csv", [["1", "short"], ["2", note], ["3", "after"]])
    assert _in_thread(path) == [[(2, "1", "short"), (3, "2", note), (5, "3", "after")]]
    # A row across more blocks: Arrow refuses it (the importer then reads the file row by row),
    # promptly, as it does unpaced.
    path = _export(tmp_path / "many.csv", [["1", "short"], ["2", "z" * 20_000], ["3", "after"]])
    (outcome,) = _in_thread(path)
    assert isinstance(outcome, arrow_read.NotColumnar) and "straddl" in str(outcome)


def test_a_consumer_that_stops_early_leaves_no_reader_waiting(tmp_path, monkeypatch):
    monkeypatch.setattr(arrow_read, "BLOCK_BYTES", 4096)
    path = _export(tmp_path / "export.csv", [[str(i), "n" * 80] for i in range(2000)])
    shape = arrow_read.header_of(path, ["id"])
    assert shape is not None
    batches = arrow_read.text_batches(path, *shape, ["id"])
    next(batches)
    batches.close()  # the generator's finally closes the paced file: a waiting read returns
    with pytest.raises(StopIteration):
        next(batches)
