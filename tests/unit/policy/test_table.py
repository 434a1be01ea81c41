"""load_table: the shipped table's rows, and bad tables as one line naming file, line and row."""

import pytest

from fleetctl.policy import PolicyError, load_table

from .inputs import CUSTOM, write_table


def table_error(path) -> str:
    with pytest.raises(PolicyError) as caught:
        load_table(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_default_table_rows_in_order(table):
    assert [row.name for row in table.rows] == ["container", "pi", "few-cpus", "vm-or-server"]
    assert table.source.endswith("default-table.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rows: [\n", ":2: invalid YAML: expected the node content, but found '<stream end>' (column 1)"),
        ("- a\n", ":1: a decision table is a mapping with one key, rows"),
        ("rows: []\n", ":1: rows must be a non-empty list"),
        ("rows:\n  - name: a\n    match: {kinds: [pi]}\n    result: {mode: single}\n    reason: r\n",
         ":3: row 1 (a): unknown match key kinds (known: kind, arch, cpus_effective, cpus_online,"
         " memory_effective_mb, node_version)"),
        ("rows:\n  - name: a\n    result: {mode: multi}\n    reason: r\n",
         ":3: row 1 (a): result mode must be single or cluster, got 'multi'"),
        ("rows:\n  - name: a\n    result:\n      mode: single\n      workers: 3\n    reason: r\n",
         ":5: row 1 (a): a single result runs 1 worker; use mode cluster for more"),
        ("rows:\n  - name: a\n    result: {mode: cluster, scheduling: fair}\n    reason: r\n",
         ":3: row 1 (a): result scheduling must be rr or none, got 'fair'"),
        ("rows:\n  - name: a\n    result: {mode: cluster, workers: some}\n    reason: r\n",
         ":3: row 1 (a): result workers must be auto or an integer >= 1, got 'some'"),
        ("rows:\n  - name: a\n    match: {node_version: '~18'}\n    result: {mode: single}\n    reason: r\n",
         ":3: row 1 (a): match node_version: '~18' is not a comparison like >=18 or <22.1"),
        ("rows:\n  - name: a\n    match:\n      cpus_effective: {below: 2}\n"
         "    result: {mode: single}\n    reason: r\n",
         ":4: row 1 (a): match cpus_effective: unknown bound below (use gt, gte, lt, lte)"),
        ("rows:\n  - name: a\n    match:\n      memory_effective_mb: {lt: lots}\n"
         "    result: {mode: single}\n    reason: r\n",
         ":4: row 1 (a): match memory_effective_mb.lt must be a number, got 'lots'"),
        ("rows:\n  - name: a\n    result: {mode: single}\n",
         ":2: row 1 (a): needs a reason, the sentence shown to explain the decision"),
        ("rows:\n  - match: {}\n    result: {mode: single}\n    reason: r\n", ":2: row 1: needs a name"),
        ("rows:\n  - name: a\n    result: {mode: single}\n    reason: r\n    when: always\n",
         ":5: row 1 (a): unknown key when (a row has name, match, result, reason)"),
        ("rows:\n  - name: a\n    result: {mode: single}\n    reason: r\n"
         "  - name: a\n    result: {mode: single}\n    reason: r\n",
         ": row 1 (a): the name a is used by more than one row"),
        ("rows:\n  - just-a-string\n", ":1: row 1: must be a mapping with name, match, result, reason"),
    ],
)
def test_invalid_table_errors_name_file_line_and_row(tmp_path, text, expected):
    path = write_table(tmp_path, text)
    assert table_error(path) == f"{path}{expected}"


def test_the_second_row_is_named_in_its_error(tmp_path):
    path = write_table(tmp_path, CUSTOM.replace("workers: 2}", "workers: 0}"))
    assert table_error(path) == f"{path}:12: row 2 (big-arm): result workers must be auto or an integer >= 1, got 0"


def test_missing_table_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert table_error(path) == f"{path}: cannot read file: No such file or directory"
