"""ansible_ssh_common_args read as ssh_config lines."""

import pytest

from fleetctl.transport.ssh_config import SSHArgsError, common_args_as_config


def test_ssh_common_args_become_config_lines():
    assert common_args_as_config("-o ProxyJump=bastion -J other -p 2222 -oUser=deploy") == [
        "ProxyJump bastion", "ProxyJump other", "Port 2222", "User deploy",
    ]
    assert common_args_as_config(None) == []
    with pytest.raises(SSHArgsError, match="unsupported argument"):
        common_args_as_config("-v")


def test_connections_use_the_transport_that_wakes_seldom_when_idle():
    from fleetctl.transport.ssh import QuietTransport, SSHTransport

    transport = SSHTransport("web-1", "192.0.2.1", port=22, user="deploy")
    assert transport._connection.connect_kwargs["transport_factory"] is QuietTransport
    assert QuietTransport._active_check_timeout == 2.0
