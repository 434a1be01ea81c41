"""Host patterns in inventories (ranges, host:port, IPv6), the same as ansible-core's inventory plugins read them."""

import pytest

from fleetctl.inventory.hostranges import HostRangeError, expand_host_pattern

from .ansible_oracle import ansible_host_pattern

PATTERNS = [
    "web[01:03]", "n[0:6:3]-[a:b]", "plain", "web1.example.com:2222", "[::1]:2200", "::1", "fe80::1",
    "192.168.1.1:22", "host[1:3]:22", "web[:3]", "web[:3]:22", "example.com.", "example.com.:22", "a_", "a-:22",
    "_a:22", "h@x:22", "db-[a:c]", "x[A:c]", "x[ab:cd]", "x[1:3:0]", "x[1:3:-1]", "x[a:3]", "x[3:1]", "x[c:a]",
    "x[01:3]", "x[001:010:3]", "a]b[1:2]", "x[1:2]|y", "[10.0.0.[1:3]]:22", "10.0.0.[1:3]", "10.0.[0:1].[1:2]:80",
    "[fe80::1%eth0]:22", "host:0", "héllo:22", "x.y-z.local", "x[1:2][a:b]", "1.2.3.4", "300.1.1.1:5",
    "fe80::[0:f]", "[fe80::[a:b]]:22", "web[1:2", "w[1:2]x:", "h:22:", "a:b:c", "web-[a:c]-[1:2].example.com:8022",
    "1:2:3:4:5:6:1.2.3.4", "[1:2:3:4:5:6:1.2.3.4]:22", "::1.2.3.4", "[::ffff:10.0.0.1]:22", "1::2::3", "[1::2::3]:22",
    "[web1]:22", "[10.0.0.1]:22", "ab:cd", "1:2:3:4:5:6:7:8:22",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_host_patterns_read_as_ansible_core_reads_them(pattern):
    try:
        expected = ansible_host_pattern(pattern)
    except Exception:  # noqa: BLE001 - ansible-core refuses it, whatever its exception
        with pytest.raises(HostRangeError):
            expand_host_pattern(pattern)
        return
    assert expand_host_pattern(pattern) == expected


def test_ranges_and_ports():
    assert expand_host_pattern("web[01:03]:2222") == (["web01", "web02", "web03"], 2222)
    assert expand_host_pattern("n[0:6:3]-[a:b]") == (["n0-a", "n0-b", "n3-a", "n3-b", "n6-a", "n6-b"], None)
    with pytest.raises(HostRangeError, match="as many digits"):
        expand_host_pattern("x[01:3]")
