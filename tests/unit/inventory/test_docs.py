"""The README's table of fleet_* variables is the schema's."""

from pathlib import Path

from fleetctl.inventory import variables_markdown


def test_variables_doc_matches_the_schema():
    doc = (Path(__file__).parents[3] / "README.md").read_text()
    assert variables_markdown() in doc
