"""Host identifiers: names, IPv4 and IPv6 addresses, ports and ranges, in Ansible's grammar."""

import pytest

from fleetctl.inventory.addresses import parse_address

from .ansible_oracle import ansible_parse_address


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("web1", ("web1", None)),
        ("web1.example.com", ("web1.example.com", None)),
        ("web1.example.com:2222", ("web1.example.com", 2222)),
        ("under_score", ("under_score", None)),
        ("192.0.2.10", ("192.0.2.10", None)),
        ("192.0.2.10:22", ("192.0.2.10", 22)),
        ("fe80::1", ("fe80::1", None)),
        ("::1", ("::1", None)),
        ("2001:db8:0:0:0:0:0:1", ("2001:db8:0:0:0:0:0:1", None)),
        ("::ffff:192.0.2.1", ("::ffff:192.0.2.1", None)),
        ("[2001:db8::1]:2222", ("2001:db8::1", 2222)),
        ("[web1]:22", ("web1", 22)),
    ],
)
def test_an_address_parses_into_host_and_port(text, parsed):
    assert parse_address(text) == parsed


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("web[01:03].example.com", ("web[01:03].example.com", None)),
        ("db-[a:c]:5432", ("db-[a:c]", 5432)),
        ("10.0.0.[1:9:2]", ("10.0.0.[1:9:2]", None)),
        ("fe80::[a:f]", ("fe80::[a:f]", None)),
    ],
)
def test_ranges_parse_only_when_allowed(text, parsed):
    assert parse_address(text, allow_ranges=True) == parsed
    with pytest.raises(ValueError, match="holds a range"):
        parse_address(text)


@pytest.mark.parametrize("allow_ranges", [True, False])
@pytest.mark.parametrize("text", [
    "web1", "web1:22", "web1.example.com:2222", "-web", "web-", "web_", "_web", "web..com", "web.", "é.example.com",
    "192.0.2.10", "192.0.2.256", "192.0.2.10:22", "10.0.0.[1:9:2]", "10.0.[0:1].[1:2]:80", "[10.0.0.1]:22",
    "::1", "fe80::1", "fe80::1%eth0", "::", "1::", "::ffff:192.0.2.1", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
    "0:0:0:0:0:ffff:1.2.3.4", "2001:db8:0:0:0:0:0:1", "1:2:3:4:5:6:7:8:9", "a::b::c", "ab:cd", "[::1]",
    "[2001:db8::1]:2222", "[1:2:3:4:5:6:1.2.3.4]:22", "fe80::[a:f]", "[fe80::[a:b]]:22", "[web1]:22",
    "web[01:03].example.com", "db-[a:c]:5432", "web[1]", "web[:3]", "WEB[A:C]", "web:db", "web:&prod", "web 1",
    "", "[1.2.3.4:5]:6", "host:0", "h:22:",
])
def test_parse_address_is_ansibles(text, allow_ranges):
    try:
        expected = ansible_parse_address(text, allow_ranges)
    except Exception:  # noqa: BLE001 - ansible-core refuses it, whatever its exception
        with pytest.raises(ValueError):
            parse_address(text, allow_ranges=allow_ranges)
        return
    assert parse_address(text, allow_ranges=allow_ranges) == expected
