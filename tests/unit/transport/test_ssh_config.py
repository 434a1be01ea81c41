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


@pytest.mark.parametrize(("common_args", "config_text", "expected"), [
    (None, "", 10),  # Ansible's and pyinfra's default
    ("-o ConnectTimeout=45", "", 45),
    (None, "Host web-1\n    ConnectTimeout 30\n", 30),
    ("-o ConnectTimeout=45", "Host *\n    ConnectTimeout 30\n", 45),  # the command line wins, as with ssh
])
def test_the_connect_timeout_comes_from_openssh_configuration(tmp_path, common_args, config_text, expected):
    from fleetctl.transport.ssh import SSHTransport

    config = tmp_path / "ssh_config"
    config.write_text(config_text)
    transport = SSHTransport("web-1", "web-1", ssh_common_args=common_args, ssh_config_file=str(config))
    assert transport.connect_timeout == expected
    # An inventory's ansible_ssh_timeout (the connect_timeout argument) wins over both.
    assert SSHTransport("web-1", "web-1", ssh_common_args=common_args, ssh_config_file=str(config),
                        connect_timeout=7).connect_timeout == 7


def test_a_connect_timeout_that_is_not_whole_seconds_is_a_one_line_error(tmp_path):
    from fleetctl.transport import TransportError
    from fleetctl.transport.ssh import SSHTransport

    with pytest.raises(TransportError, match=r"^web-1: ConnectTimeout must be a whole number of seconds, got '1.5'$"):
        SSHTransport("web-1", "web-1", ssh_common_args="-o ConnectTimeout=1.5", ssh_config_file="/dev/null")
