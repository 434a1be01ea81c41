"""The lab's personas: --hosts PERSONA=N counts; the builders are started only when asked and run the builder image
of their architecture; the capped host binds its slices' drop-ins."""

from pathlib import Path

import pytest

from fleetctl.lab.images import BUILDER, HOST
from fleetctl.lab.personas import HostCountError, PERSONAS, parse_host_counts


def test_default_is_one_host_of_each_persona():
    assert parse_host_counts(None) == {"server": 1, "vm": 1, "container": 1, "pi": 1, "lb": 1}


def test_host_counts_are_parsed():
    assert parse_host_counts("server=40, pi=2") == {"server": 40, "pi": 2}


@pytest.mark.parametrize("text, message", [
    ("mainframe=1", "unknown persona 'mainframe'"),
    ("server", "wants PERSONA=N, got 'server'"),
    ("server=many", "wants PERSONA=N, got 'server=many'"),
    ("server=256", "at most 255 server hosts"),
])
def test_bad_host_counts_are_one_line_errors(text, message):
    with pytest.raises(HostCountError, match=message):
        parse_host_counts(text)


def test_builders_are_started_only_when_asked():
    assert "builder" not in parse_host_counts(None) and "armbuilder" not in parse_host_counts(None)
    assert parse_host_counts("builder=1,armbuilder=1") == {"builder": 1, "armbuilder": 1}


@pytest.mark.parametrize("name, arch", [("builder", "amd64"), ("armbuilder", "arm64")])
def test_each_builder_runs_the_builder_image_of_its_architecture(name, arch):
    persona = PERSONAS[name]
    assert (persona.arch, persona.image, persona.on_demand, persona.has_app) == (arch, BUILDER, True, False)


def test_only_the_builders_are_builders():
    assert [name for name, persona in PERSONAS.items() if persona.is_builder] == ["builder", "armbuilder"]


def test_plain_hosts_are_started_only_when_asked_and_as_many_as_asked():
    assert "plain" not in parse_host_counts(None)
    assert parse_host_counts("plain=500") == {"plain": 500}
    assert (PERSONAS["plain"].inventory_vars, PERSONAS["plain"].docker_options) == ({}, ())


def test_the_capped_host_is_started_only_when_asked_and_binds_its_two_drop_ins():
    persona = PERSONAS["capped"]
    assert "capped" not in parse_host_counts(None) and persona.on_demand and persona.image == HOST
    sources = [Path(option.split(":", 1)[0]) for option in persona.docker_options if option.endswith(":ro")]
    assert [source.name for source in sources] == ["system-slice-cpu-quota.conf", "ssh-in-user-slice.conf"]
    assert "CPUQuota=50%" in sources[0].read_text() and "Slice=user.slice" in sources[1].read_text()
