"""The lab's personas: the builders are started only when asked and run the builder image of their architecture."""

import pytest

from fleetctl.lab.images import BUILDER
from fleetctl.lab.personas import PERSONAS, parse_host_counts


def test_builders_are_started_only_when_asked():
    assert "builder" not in parse_host_counts(None) and "armbuilder" not in parse_host_counts(None)
    assert parse_host_counts("builder=1,armbuilder=1") == {"builder": 1, "armbuilder": 1}


@pytest.mark.parametrize("name, arch", [("builder", "amd64"), ("armbuilder", "arm64")])
def test_each_builder_runs_the_builder_image_of_its_architecture(name, arch):
    persona = PERSONAS[name]
    assert (persona.arch, persona.image, persona.on_demand, persona.has_app) == (arch, BUILDER, True, False)


def test_only_the_builders_are_builders():
    assert [name for name, persona in PERSONAS.items() if persona.is_builder] == ["builder", "armbuilder"]
