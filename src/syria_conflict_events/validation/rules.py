"""Every rule a contributor can break, with how to fix it. The docs' error reference is
generated from this catalogue, so a rule cannot exist without an explanation."""

from __future__ import annotations

from dataclasses import dataclass

from ..constraints import CONSTRAINTS


@dataclass(frozen=True)
class Rule:
    layer: str
    title: str
    hint: str


def _r(layer: str, title: str, hint: str) -> Rule:
    return Rule(layer, title, hint)


RULES: dict[str, Rule] = {
    # Package and file structure
    "descriptor-unreadable": _r("file", "datapackage.json cannot be read as JSON",
        "Regenerate it with `sce generate`; never edit datapackage.json by hand."),
    "descriptor-invalid": _r("json-schema", "datapackage.json breaks the Data Package profile or the SCE schema",
        "Regenerate it with `sce generate` from schemas/*.yaml."),
    "descriptor-drift": _r("file", "datapackage.json differs from the one generated from schemas/",
        "Run `sce generate` and commit the result; change schemas/*.yaml, not the generated files."),
    "unsafe-path": _r("file", "a resource path points outside the package",
        "Resource paths must be relative paths under data/ (no '..', no absolute paths, no URLs)."),
    "missing-file": _r("file", "a table's CSV file is missing",
        "Every table declared in schemas/tables.yaml needs its data/<table>.csv, with at least the header row."),
    "empty-file": _r("file", "the file is empty (no header row)",
        "Write the header row (the field names from schemas/tables.yaml, in order); `sce fmt` can do it."),
    "file-too-large": _r("file", "the file is larger than the validator accepts",
        "Split the contribution, or raise the limit with --max-bytes if you really mean it."),
    "encoding": _r("file", "the file is not valid UTF-8",
        "Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8'); the message gives the bad byte's position."),
    "bom": _r("file", "the file starts with a byte-order mark",
        "Save as UTF-8 without BOM, or run `sce fmt` to rewrite the file in canonical form."),
    "line-ending": _r("file", "the file has CR or CRLF line endings",
        "Use LF line endings only; `sce fmt` rewrites the file in canonical form."),
    "final-newline": _r("file", "the last line does not end with a newline",
        "End the file with a single LF; `sce fmt` does it."),
    "control-character": _r("file", "a cell contains a NUL, tab, line break or other control character, or a "
                            "bidirectional override",
        "Remove the character; cells hold one line of text, stored in the order it reads (no U+202A-U+202E or "
        "U+2066-U+2069)."),
    "delimiter": _r("file", "the file is not comma-separated",
        "Use commas between cells (not semicolons or tabs); `sce fmt` can convert after you fix the header."),
    "malformed-row": _r("file", "a row cannot be parsed or has the wrong number of cells",
        "Each row needs exactly as many cells as the header; quote cells that contain commas or quotes."),
    "missing-column": _r("file", "a declared column is missing from the header",
        "Add the column (see the data dictionary); an unknown value stays an empty cell."),
    "extra-column": _r("file", "the header has a column the schema does not declare",
        "Remove it, or declare the field in schemas/fields.yaml and schemas/tables.yaml first."),
    "duplicate-column": _r("file", "a column name appears twice in the header",
        "Keep one copy of the column."),
    "column-order": _r("file", "the columns are not in the declared order",
        "Run `sce fmt` to reorder the columns without changing any value."),
    "too-many-errors": _r("file", "more errors than the report lists",
        "Fix the errors listed first (often one cause, such as a wrong header or delimiter, produces the rest), "
        "then validate again."),
    # Table Schema (types and constraints)
    "type": _r("table-schema", "a cell is not of the field's type",
        "Dates are YYYY-MM-DD and must exist (no 2024-02-30); integers are digits only; numbers use a dot."),
    "required": _r("table-schema", "a required cell is empty",
        "Fill the cell; the data dictionary says what it holds."),
    # enum, pattern, minimum, maximum, min-length, format: each with its constraint kind
    **{kind.rule: _r("table-schema", kind.title, kind.hint) for kind in CONSTRAINTS},
    "primary-key": _r("table-schema", "a primary key value is duplicated",
        "IDs are unique and never reused: take the next free ID (`sce new`), and retire, never recycle, old ones."),
    "foreign-key": _r("table-schema", "a reference points to a row that does not exist",
        "Add the referenced row first, or fix the ID's spelling; IDs are case-sensitive."),
    "table-schema": _r("table-schema", "the Table Schema check failed in another way",
        "Read the message; it comes from the Frictionless validator."),
    # Semantic rules (pandera), cross-field and cross-table
    "fatalities-order": _r("semantic", "fatalities are not ordered low <= best <= high",
        "Set fatalities_low <= fatalities_best <= fatalities_high (leave unknown ones empty)."),
    "civilian-fatalities": _r("semantic", "civilian fatalities exceed the high estimate of all fatalities",
        "civilian_fatalities cannot exceed fatalities_high (or fatalities_best when no high is given)."),
    "fatalities-without-figure": _r("semantic", "an event gives fatalities but none of its claims gives a number",
        "A figure belongs to a source's claim: put it in claims.fatalities_claimed or leave the figures empty."),
    "date-order": _r("semantic", "the end date is before the start date",
        "date_start <= date_end; for a one-day event both are the same day."),
    "agreement-date-order": _r("semantic", "an agreement's dates are out of order",
        "date_signed <= date_effective <= date_ended where they are known."),
    "sub-event-type": _r("semantic", "the sub-event type does not belong to the event type",
        "Pick a sub_event_type listed under the event_type in the data dictionary."),
    "event-without-claim": _r("semantic", "an event has no claim",
        "Every event needs at least one row in claims.csv naming its source and claimant."),
    "event-without-actor": _r("semantic", "an event has no actor",
        "Every event needs at least one row in event_actors.csv."),
    "verification-rule": _r("semantic", "the event's verification differs from the one its claims give",
        "Set it to what the rule gives (methodology page): contested if a claim denies or disputes, corroborated "
        "with asserting claims of two independent origins, single_source with one, background_only with reference "
        "works alone. The message names the computed value."),
    "fatalities-rule": _r("semantic", "the event's fatalities differ from the ones its claims give",
        "From the event's claims with figure_scope 'event' (claims that deny it do not count): fatalities_low "
        "is the lowest fatalities_claimed or fatalities_claimed_low, fatalities_high the highest "
        "fatalities_claimed or fatalities_claimed_high, fatalities_best the lower median of fatalities_claimed."),
    "figure-scope": _r("semantic", "a claim gives a figure without its scope, or a scope without a figure",
        "Set figure_scope to 'event' (deaths or displaced in this event) or 'cumulative' (a running toll) "
        "exactly when the claim gives a figure (fatalities_claimed, its low or high end, or displaced_claimed)."),
    "source-before-event": _r("semantic", "a claim's report is dated before the event it describes",
        "Check the report's published_date and the event's date_start; a report cannot describe a later event."),
    "source-unopenable": _r("semantic", "a source has neither a URL nor an archived document",
        "Give the report's http(s) address, or archive_file naming the copy in the source archive; a reader "
        "must be able to open every source."),
    "url-without-publisher": _r("semantic", "a source with a URL names no publisher",
        "Name the outlet whose site the address belongs to (publisher)."),
    "coordinates-without-source": _r("semantic", "a place has coordinates but no source for them",
        "Set coordinates_source_id to the gazetteer or report the point comes from (and coordinates_ref to its "
        "record), or leave latitude and longitude empty."),
    "name-ar-without-source": _r("semantic", "an Arabic name has no source",
        "Set name_ar_source_id to the Arabic-language source that spells it, or leave name_ar empty."),
    "violates-before-effective": _r("semantic", "a 'violates' link predates the agreement taking effect",
        "An event can only violate an agreement on or after its date_effective; check both dates."),
    "claim-event-mismatch": _r("semantic", "a link's claim belongs to another event",
        "claim_id in event_agreements must be a claim about the same event_id."),
    "parent-cycle": _r("semantic", "a parent chain loops back on itself",
        "Parent chains must end at a top-level row; fix parent_actor_id / parent_place_id / supersedes_agreement_id."),
    "parent-country": _r("semantic", "a place's country differs from its parent's",
        "A place lies in the same country as the place it belongs to."),
    "coordinates-outside-country": _r("semantic", "the coordinates fall outside the country's bounding box",
        "Check for swapped latitude/longitude or a sign error; Syria's latitude is ~32-37, its longitude ~35.6-42.4."),
    "coordinates-incomplete": _r("semantic", "only one of latitude and longitude is given",
        "Give both or neither."),
    "formula-cell": _r("semantic", "a text cell starts with =, +, - or @ (a spreadsheet would run it as a formula)",
        "Reword the cell so that it starts with a letter, digit or quotation mark."),
    "forbidden-character": _r("semantic", "a cell holds a private-use character, a noncharacter, a byte-order "
                              "mark, a C1 control (such as U+0085) or a line/paragraph separator (U+2028/U+2029)",
        "Delete the character (the message gives its code point and position); it is invisible or means "
        "nothing outside one program. Retype the text if it was pasted from a PDF or a word processor."),
    "not-nfc": _r("semantic", "a cell's text is not in Unicode normal form C (NFC)",
        "Run `sce fmt`: it composes the characters (e + combining accent becomes é) without changing the text "
        "a reader sees, so searches and comparisons match."),
    "whitespace": _r("semantic", "a cell has leading or trailing spaces or doubled spaces",
        "Trim the cell; `sce fmt` does not change values, so fix it by hand."),
    "row-order": _r("semantic", "rows are not sorted by the primary key",
        "Run `sce fmt` to sort the rows (values are not changed)."),
    "retired-id-in-use": _r("semantic", "a retired ID appears again in its table",
        "Retired IDs are never reused: take the next free ID (`sce new`)."),
    "replaced-by-missing": _r("semantic", "a tombstone's replacement does not exist",
        "replaced_by must be a live row of the same table (or empty for a withdrawal)."),
    "entity-missing": _r("semantic", "an external ID points to a row that does not exist",
        "entity_id must be a live ID of the table named by table_name."),
    "control-date-order": _r("semantic", "a control period ends before it starts",
        "date_from <= date_to; leave date_to empty while the period lasts beyond the record."),
    "control-actor": _r("semantic", "a control period's actor does not fit its state",
        "A held or contested period names its actor; an unknown one names none."),
    "control-basis": _r("semantic", "a control period stands on nothing, or starts without an event",
        "Give the change-of-control event that started the period (event_id); a period that began before the "
        "record gives the claim (claim_id) or report (source_id) that says who held the place."),
    "control-event-type": _r("semantic", "a control period's event is not a change of control",
        "Point event_id at an event whose sub_event_type is non_state_actor_overtakes_territory, "
        "government_regains_territory or non_violent_transfer_of_territory."),
    "control-before-event": _r("semantic", "a control period starts before its event",
        "date_from is on or after the event's date_start."),
    "control-overlap": _r("semantic", "two held periods of one place overlap",
        "End the earlier period the day before the later one starts, or mark the disputed span contested."),
    "control-place": _r("semantic", "a control period's place has neither a point nor a parent",
        "Record control of places with a point, or of areas placed in the hierarchy (parent_place_id)."),
    "semantic": _r("semantic", "a semantic check failed in another way",
        "Read the message; it names the check."),
    # JSON tables
    "json-schema": _r("json-schema", "a JSON table breaks its generated JSON Schema",
        "JSON tables are generated by `sce build`; rebuild rather than edit them."),
}
