"""The shipped decision table, loaded once per module."""

import pytest

from fleetctl.policy import load_table


@pytest.fixture(scope="module")
def table():
    return load_table()
