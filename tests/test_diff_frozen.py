"""The column-wise release diff says exactly what the row-by-row one said: a hand-made case
(rows added, removed and changed, in a one-field and a two-field key whose cells hold the ``:``
and ``|`` a joined key could confuse; vocabulary codes added and removed; columns added and
removed; a type and a primary key changed; tables added and removed; a lost, a reused and a
removed tombstone) whose JSON and Markdown were written by the earlier implementation and frozen
here; the same case read from CSV files in a directory and a zip, through `sce diff`."""

# ruff: noqa: E501  (the frozen Markdown keeps its long lines)
from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest

from syria_conflict_events.cli import main
from syria_conflict_events.diff import rows as diff_module
from syria_conflict_events.diff.rows import diff_snapshots, to_markdown
from syria_conflict_events.diff.snapshot import Snapshot, TableSnapshot
from syria_conflict_events.formats import json_text
from syria_conflict_events.generate import dumps


def table(name, fields, pk, rows, enums=None, types=None):
    return TableSnapshot.of_rows(name, fields, pk, rows, types, enums)


RET = ["table_name", "retired_id", "retired_in_version", "replaced_by", "reason"]


def tomb(*cells: str) -> dict[str, str]:
    return dict(zip(RET, cells, strict=True))


def snapshots() -> tuple[Snapshot, Snapshot]:
    old = Snapshot("old", "pkg", "1.0.0", {
        "events": table("events", ["event_id", "kind", "note"], ["event_id"], [
            {"event_id": "E1", "kind": "battle", "note": "first"},
            {"event_id": "E2", "kind": "riot", "note": 'with "quotes", commas\nand a line'},
            {"event_id": "E3", "kind": "battle", "note": ""},
            {"event_id": "E4", "kind": "battle", "note": "gone without a tombstone"},
        ], enums={"kind": ["battle", "riot"]}),
        "links": table("links", ["event_id", "actor", "role"], ["event_id", "actor"], [
            {"event_id": "E1", "actor": "a:1", "role": "x"},
            {"event_id": "E1:a", "actor": "1", "role": "y"},
            {"event_id": "E2", "actor": "b", "role": "z"},
        ]),
        "old_only": table("old_only", ["id"], ["id"], [{"id": "o1"}, {"id": "o2"}]),
        "places": table("places", ["place_id", "lat", "kind", "gone"], ["place_id"], [
            {"place_id": "p1", "lat": "36.2", "kind": "a", "gone": "x"},
        ], enums={"kind": ["a", "b"]}, types={"lat": "number"}),
        "keyed": table("keyed", ["id", "v"], ["id"], [{"id": "k1", "v": "1"}]),
        "retired_ids": table("retired_ids", RET, ["table_name", "retired_id"], [
            tomb("events", "E0", "0.9.0", "", "dup"),
            tomb("links", "L9", "0.9.0", "", "x"),
        ]),
    })
    new = Snapshot("new", "pkg", "1.1.0", {
        "events": table("events", ["event_id", "kind", "note", "extra"], ["event_id"], [
            {"event_id": "E5", "kind": "protest", "note": "new first", "extra": "é"},
            {"event_id": "E1", "kind": "battle", "note": "first, corrected", "extra": ""},
            {"event_id": "E2", "kind": "battle", "note": 'with "quotes", commas\nand a line', "extra": "سوريا"},
            {"event_id": "E0", "kind": "riot", "note": "a retired id used again", "extra": ""},
        ], enums={"kind": ["battle", "riot", "protest"]}),
        "links": table("links", ["event_id", "actor", "role"], ["event_id", "actor"], [
            {"event_id": "E1:a", "actor": "1", "role": "y2"},
            {"event_id": "E1", "actor": "a:1", "role": "x"},
            {"event_id": "E2", "actor": "c", "role": "z"},
        ]),
        "places": table("places", ["place_id", "lat", "kind"], ["place_id"], [
            {"place_id": "p1", "lat": "36.20", "kind": "a"},
        ], enums={"kind": ["a"]}),
        "keyed": table("keyed", ["id", "v"], ["id", "v"], [{"id": "k1", "v": "2"}]),
        "new_only": table("new_only", ["id", "v"], ["id"], [{"id": "n1", "v": "1"}]),
        "retired_ids": table("retired_ids", RET, ["table_name", "retired_id"], [
            tomb("events", "E0", "0.9.0", "", "dup"),
            tomb("events", "E3", "1.1.0", "E1", "merged"),
        ]),
    })
    return old, new


# Written by the row-by-row implementation (commit 7ceb8a2) for snapshots(); never regenerate
# these from the code under test.
EXPECTED_JSON = r'''{
  "old_version": "1.0.0",
  "new_version": "1.1.0",
  "level": "major",
  "reasons": [
    {
      "level": "minor",
      "change": "events.extra added"
    },
    {
      "level": "minor",
      "change": "events.kind: code protest added"
    },
    {
      "level": "minor",
      "change": "events: 2 rows added"
    },
    {
      "level": "minor",
      "change": "events: 2 rows removed (retired)"
    },
    {
      "level": "patch",
      "change": "events: 2 rows corrected"
    },
    {
      "level": "minor",
      "change": "links: 1 rows added"
    },
    {
      "level": "minor",
      "change": "links: 1 rows removed (retired)"
    },
    {
      "level": "patch",
      "change": "links: 1 rows corrected"
    },
    {
      "level": "major",
      "change": "places.gone removed or renamed"
    },
    {
      "level": "major",
      "change": "places.lat changed type number -> string"
    },
    {
      "level": "major",
      "change": "places.kind: code b removed or renamed"
    },
    {
      "level": "patch",
      "change": "places: 1 rows corrected"
    },
    {
      "level": "major",
      "change": "keyed: primary key changed"
    },
    {
      "level": "minor",
      "change": "table new_only added"
    },
    {
      "level": "minor",
      "change": "retired_ids: 1 rows added"
    },
    {
      "level": "minor",
      "change": "retired_ids: 1 rows removed (retired)"
    },
    {
      "level": "major",
      "change": "table old_only removed"
    }
  ],
  "problems": [
    "events E4 was released in 1.0.0 and is gone, but is not in retired_ids (record it there with the reason)",
    "retired_ids: the tombstone of links L9 was removed (tombstones stay forever)",
    "events E0 was retired before 1.1.0 and is used again"
  ],
  "tables": {
    "events": {
      "status": "common",
      "primary_key": [
        "event_id"
      ],
      "rows_added": 2,
      "rows_removed": 2,
      "rows_changed": 2,
      "columns_added": [
        "extra"
      ],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {
        "kind": [
          "protest"
        ]
      },
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "event_id": "E5",
          "kind": "protest",
          "note": "new first",
          "extra": "é"
        },
        {
          "event_id": "E0",
          "kind": "riot",
          "note": "a retired id used again",
          "extra": ""
        }
      ],
      "removed": [
        {
          "event_id": "E3",
          "kind": "battle",
          "note": ""
        },
        {
          "event_id": "E4",
          "kind": "battle",
          "note": "gone without a tombstone"
        }
      ],
      "changed": [
        {
          "key": {
            "event_id": "E1"
          },
          "cells": {
            "note": {
              "old": "first",
              "new": "first, corrected"
            }
          }
        },
        {
          "key": {
            "event_id": "E2"
          },
          "cells": {
            "kind": {
              "old": "riot",
              "new": "battle"
            }
          }
        }
      ]
    },
    "links": {
      "status": "common",
      "primary_key": [
        "event_id",
        "actor"
      ],
      "rows_added": 1,
      "rows_removed": 1,
      "rows_changed": 1,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "event_id": "E2",
          "actor": "c",
          "role": "z"
        }
      ],
      "removed": [
        {
          "event_id": "E2",
          "actor": "b",
          "role": "z"
        }
      ],
      "changed": [
        {
          "key": {
            "event_id": "E1:a",
            "actor": "1"
          },
          "cells": {
            "role": {
              "old": "y",
              "new": "y2"
            }
          }
        }
      ]
    },
    "places": {
      "status": "common",
      "primary_key": [
        "place_id"
      ],
      "rows_added": 0,
      "rows_removed": 0,
      "rows_changed": 1,
      "columns_added": [],
      "columns_removed": [
        "gone"
      ],
      "type_changes": [
        {
          "field": "lat",
          "old": "number",
          "new": "string"
        }
      ],
      "codes_added": {},
      "codes_removed": {
        "kind": [
          "b"
        ]
      },
      "key_changed": false,
      "added": [],
      "removed": [],
      "changed": [
        {
          "key": {
            "place_id": "p1"
          },
          "cells": {
            "lat": {
              "old": "36.2",
              "new": "36.20"
            }
          }
        }
      ]
    },
    "keyed": {
      "status": "common",
      "primary_key": [
        "id",
        "v"
      ],
      "rows_added": 0,
      "rows_removed": 0,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": true,
      "added": [],
      "removed": [],
      "changed": []
    },
    "new_only": {
      "status": "added",
      "primary_key": [
        "id"
      ],
      "rows_added": 1,
      "rows_removed": 0,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "id": "n1",
          "v": "1"
        }
      ],
      "removed": [],
      "changed": []
    },
    "retired_ids": {
      "status": "common",
      "primary_key": [
        "table_name",
        "retired_id"
      ],
      "rows_added": 1,
      "rows_removed": 1,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [
        {
          "table_name": "events",
          "retired_id": "E3",
          "retired_in_version": "1.1.0",
          "replaced_by": "E1",
          "reason": "merged"
        }
      ],
      "removed": [
        {
          "table_name": "links",
          "retired_id": "L9",
          "retired_in_version": "0.9.0",
          "replaced_by": "",
          "reason": "x"
        }
      ],
      "changed": []
    },
    "old_only": {
      "status": "removed",
      "primary_key": [
        "id"
      ],
      "rows_added": 0,
      "rows_removed": 2,
      "rows_changed": 0,
      "columns_added": [],
      "columns_removed": [],
      "type_changes": [],
      "codes_added": {},
      "codes_removed": {},
      "key_changed": false,
      "added": [],
      "removed": [
        {
          "id": "o1"
        },
        {
          "id": "o2"
        }
      ],
      "changed": []
    }
  }
}
'''

EXPECTED_MARKDOWN = r'''# Release diff: 1.0.0 → 1.1.0

Change level: **major** (SemVer: removing or renaming a column or a code is major; new rows, columns or codes are minor; corrections are patch).

Problems:

- events E4 was released in 1.0.0 and is gone, but is not in retired_ids (record it there with the reason)
- retired_ids: the tombstone of links L9 was removed (tombstones stay forever)
- events E0 was retired before 1.1.0 and is used again

| table | rows added | rows removed | rows changed | schema changes |
|---|---|---|---|---|
| events | 2 | 2 | 2 | 2 |
| links | 1 | 1 | 1 | 0 |
| places | 0 | 0 | 1 | 3 |
| keyed | 0 | 0 | 0 | 1 |
| new_only | 1 | 0 | 0 | 1 |
| retired_ids | 1 | 1 | 0 | 0 |
| old_only | 0 | 2 | 0 | 1 |

## Changes by level

- **major**: places.gone removed or renamed
- **major**: places.lat changed type number -> string
- **major**: places.kind: code b removed or renamed
- **major**: keyed: primary key changed
- **major**: table old_only removed
- **minor**: events.extra added
- **minor**: events.kind: code protest added
- **minor**: events: 2 rows added
- **minor**: events: 2 rows removed (retired)
- **minor**: links: 1 rows added
- **minor**: links: 1 rows removed (retired)
- **minor**: table new_only added
- **minor**: retired_ids: 1 rows added
- **minor**: retired_ids: 1 rows removed (retired)
- **patch**: events: 2 rows corrected
- **patch**: links: 1 rows corrected
- **patch**: places: 1 rows corrected

## Tables

### events

- Column added: `extra`
- `kind` codes added: <code>protest</code>

Rows added (2):

- <code>E5</code>
- <code>E0</code>

Rows removed (2):

- <code>E3</code>
- <code>E4</code>

Rows changed (2):

- <code>E1</code>: `note` <code>first</code> → <code>first&#44; corrected</code>
- <code>E2</code>: `kind` <code>riot</code> → <code>battle</code>

### links

Rows added (1):

- <code>E2 &#124; c</code>

Rows removed (1):

- <code>E2 &#124; b</code>

Rows changed (1):

- <code>E1&#58;a &#124; 1</code>: `role` <code>y</code> → <code>y2</code>

### places

- Column removed: `gone`
- Type of `lat`: number → string
- `kind` codes removed: <code>b</code>

Rows changed (1):

- <code>p1</code>: `lat` <code>36&#46;2</code> → <code>36&#46;20</code>

### keyed

- Primary key changed: rows are not compared

### new_only

Table added (1 rows).

### retired_ids

Rows added (1):

- <code>events &#124; E3</code>

Rows removed (1):

- <code>links &#124; L9</code>

### old_only

Table removed (2 rows).
'''


def test_frozen_json_and_markdown():
    old, new = snapshots()
    diff = diff_snapshots(old, new)
    assert dumps(diff.to_json()) == EXPECTED_JSON
    assert "".join(diff.json_chunks()) == EXPECTED_JSON
    assert to_markdown(diff) == EXPECTED_MARKDOWN


def test_frozen_json_in_batches_of_one_row(monkeypatch):
    monkeypatch.setattr(diff_module, "BATCH_ROWS", 1)  # changed rows, made into dicts
    monkeypatch.setattr(json_text, "BATCH_ROWS", 1)  # added and removed rows, made into text by Arrow
    old, new = snapshots()
    assert "".join(diff_snapshots(old, new).json_chunks()) == EXPECTED_JSON


def write_release(snapshot: Snapshot, root: Path, crlf: bool = False) -> Path:
    """The snapshot as a package directory: datapackage.json with inline schemas, CSV tables."""
    resources = []
    (root / "data").mkdir(parents=True)
    for t in snapshot.tables.values():
        fields = []
        for f in t.fields:
            field = {"name": f, "type": t.types[f]}
            if f in t.enums:
                field["constraints"] = {"enum": t.enums[f]}
            fields.append(field)
        path = f"data/{t.name}.csv"
        resources.append({"name": t.name, "path": path, "format": "csv",
                          "schema": {"fields": fields, "primaryKey": t.primary_key}})
        with (root / path).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, t.fields, lineterminator="\r\n" if crlf else "\n")
            writer.writeheader()
            writer.writerows(t.read().to_pylist())
    descriptor = {"name": snapshot.name, "version": snapshot.version, "resources": resources}
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root


def zipped(folder: Path) -> Path:
    out = folder.with_suffix(".zip")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            zf.write(f, f"{folder.name}/{f.relative_to(folder).as_posix()}")
    return out


@pytest.mark.parametrize("as_zip", [False, True])
def test_frozen_case_from_files_through_the_cli(tmp_path, capsys, as_zip):
    old, new = snapshots()
    before = write_release(old, tmp_path / "old", crlf=True)
    after = write_release(new, tmp_path / "new")
    if as_zip:
        before = zipped(before)
    assert main(["diff", str(before), str(after), "--format", "json"]) == 0
    assert capsys.readouterr().out == EXPECTED_JSON
    assert main(["diff", str(before), str(after)]) == 0
    assert capsys.readouterr().out == EXPECTED_MARKDOWN
