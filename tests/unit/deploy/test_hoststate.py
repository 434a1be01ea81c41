"""parse_host_state: the host state script's sections read back (releases, unit, process file, activation record)."""

from fleetctl.deploy.hoststate import HostState, parse_host_state
from fleetctl.domain import Mode, RunningProcess, Scheduling
from fleetctl.policy import Decision
from fleetctl.render import render_process

CLUSTER = Decision(Mode.CLUSTER, 2, Scheduling.RR, "a server", "vm-or-server", 576)


def test_host_state_is_parsed_from_its_sections():
    raw = (
        "motd noise\n==> hoststate <==\nfleetctl-hoststate 1\n==> current <==\nreleases/abc\n"
        "==> previous <==\nreleases/old\n==> releases <==\nabc\nold\n==> unit <==\n[Unit]\nDescription=x\n"
        "==> env_sha256 <==\nfeed\n==> runtime_sha256 <==\n==> user <==\n998\n"
        "==> active <==\nactive\n==> enabled <==\nenabled\n==> end <==\n"
    )
    state = parse_host_state(raw)
    assert state == HostState("abc", "old", ("abc", "old"), "[Unit]\nDescription=x\n", "feed", None, True,
                              "active", True)


def test_the_process_file_says_how_the_unit_starts_the_app():
    state = parse_host_state(
        "==> hoststate <==\nfleetctl-hoststate 1\n==> process <==\n" + render_process(CLUSTER) + "==> end <==\n")
    assert state.running == RunningProcess(Mode.CLUSTER, 2, Scheduling.RR)
    assert state.clustered
    assert parse_host_state("==> hoststate <==\nfleetctl-hoststate 1\n==> end <==\n").running is None


def test_the_record_is_read_from_its_section():
    raw = ("==> hoststate <==\nfleetctl-hoststate 1\n==> current <==\nreleases/abc\n==> activated <==\n"
           "abc e u -\n==> active <==\nactive\n==> end <==\n")
    assert parse_host_state(raw).activated == "abc e u -"
    missing = raw.replace("abc e u -\n", "none\n")
    assert parse_host_state(missing).activated == ""
