"""The probe starts node only when the host's node binary changed since its versions and ABI were cached."""

from dataclasses import replace

from fleetctl.facts import gather, parse_probe
from fleetctl.facts.model import KnownVirt, NodeVersions
from fleetctl.facts.parse import detected_virt, node_identity
from fleetctl.facts.probecache import ProbeCache
from fleetctl.transport import LocalTransport


def test_a_probe_told_the_current_identity_skips_node_and_uses_the_known_versions():
    with LocalTransport() as transport:
        raw, facts = gather(transport)
        identity = node_identity(raw)
        assert identity and facts.node_version
        known = NodeVersions(identity, "0.0.1-cached", "9.9.9", "1")
        raw_again, facts_again = gather(transport, known_node=known)
    assert "==> node_versions <==\n==> end <==" in raw_again  # node was not started
    assert (facts_again.node_version, facts_again.libuv_version, facts_again.node_abi) == ("0.0.1-cached", "9.9.9", "1")
    assert facts_again.platform is not None and facts_again.platform.node_abi == "1"


def test_known_versions_without_the_abi_do_not_stop_node_from_being_asked():
    with LocalTransport() as transport:
        raw, facts = gather(transport)
        stale = NodeVersions(node_identity(raw), "0.0.1-cached", "9.9.9")  # as cached before the ABI was
        raw_again, facts_again = gather(transport, known_node=stale)
    assert facts_again.node_abi == facts.node_abi and facts.node_abi.isdigit()
    assert facts_again.node_version == facts.node_version  # node was started: not the cached version


def test_a_changed_binary_is_read_again():
    with LocalTransport() as transport:
        raw, facts = gather(transport, known_node=NodeVersions("0:0:0:0", "0.0.1-stale", "0.0.0", "1"))
    assert facts.node_version != "0.0.1-stale" and facts.node_version == parse_probe(raw).node_version


def test_cache_round_trips_and_saves_only_changes(tmp_path):
    path = tmp_path / "probe-cache.json"
    cache = ProbeCache(path)
    assert cache.get("web1") is None
    cache.put("web1", NodeVersions("1:2:3:4", "18.19.0", "1.44.2", "108"))
    cache.save()
    assert ProbeCache(path).get("web1") == NodeVersions("1:2:3:4", "18.19.0", "1.44.2", "108")
    path.write_text("not json")
    assert ProbeCache(path).get("web1") is None


def test_cache_keeps_virt_answers_beside_node_versions_and_reads_the_old_format(tmp_path):
    path = tmp_path / "probe-cache.json"
    cache = ProbeCache(path)
    cache.put("web1", NodeVersions("1:2:3:4", "18.19.0", "1.44.2", "108"))
    cache.put_virt("web1", KnownVirt("boot:5", "kvm", "none", "x86_64", "64"))
    cache.put_virt("db1", KnownVirt("boot:9", "none", "lxc", "aarch64", "32"))  # a host without node
    cache.save()
    again = ProbeCache(path)
    assert again.get("web1") == NodeVersions("1:2:3:4", "18.19.0", "1.44.2", "108")
    assert again.get_virt("web1") == KnownVirt("boot:5", "kvm", "none", "x86_64", "64")
    assert again.get("db1") is None and again.get_virt("db1") == KnownVirt("boot:9", "none", "lxc", "aarch64", "32")
    path.write_text('{"web1": {"identity": "1:2:3:4", "node": "18.19.0", "libuv": "1.44.2", "modules": "108"}}')
    old = ProbeCache(path)
    assert old.get("web1") == NodeVersions("1:2:3:4", "18.19.0", "1.44.2", "108") and old.get_virt("web1") is None
    # An entry from before the ABI was cached is dropped (node is asked again); the host's virt answers stay.
    path.write_text('{"web1": {"identity": "1:2:3:4", "node": "18.19.0", "libuv": "1.44.2",'
                    ' "virt": {"key": "boot:5", "vm": "kvm", "container": "none", "uname_m": "x86_64"}}}')
    without_abi = ProbeCache(path)
    assert without_abi.get("web1") is None
    assert without_abi.get_virt("web1") == KnownVirt("boot:5", "kvm", "none", "x86_64")
    # An entry from before uname -m was cached is dropped: the probe asks everything again.
    path.write_text('{"web1": {"virt": {"key": "boot:5", "vm": "kvm", "container": "none"}}}')
    assert ProbeCache(path).get_virt("web1") is None


def test_a_probe_with_known_virt_answers_sends_both_keys(tmp_path):
    with LocalTransport() as transport:
        raw, facts = gather(transport)
        known = detected_virt(raw)
        if known is None:
            return  # no systemd-detect-virt here: nothing is cached
        raw_again, facts_again = gather(transport, known_virt=known)
    assert replace(facts_again, opt_free_mb=None) == replace(facts, opt_free_mb=None)  # free disk moves meanwhile
    assert "==> systemd_detect_virt_vm <==\n==> systemd_detect_virt_container <==" in raw_again
