"""The shared fixture package is valid: the baseline every rule test breaks in one place."""

from syria_conflict_events.validation import render, validate_package


def test_fixture_package_is_valid(valid_package):
    report = validate_package(valid_package)
    assert report.valid, render(report)
    assert report.exit_code == 0
    assert report.layers == ["json-schema", "file", "table-schema", "semantic"]
    assert report.engine == "pandera"
