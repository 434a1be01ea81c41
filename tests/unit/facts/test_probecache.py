"""ProbeCache: the node versions (and ABI) and systemd-detect-virt answers the probe need not ask again, in a file."""

from fleetctl.facts.model import KnownVirt, NodeVersions
from fleetctl.facts.probecache import ProbeCache


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
