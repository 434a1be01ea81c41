"""The OpenSSH client configuration fabric should see for one host.

~/.ssh/config (then /etc/ssh/ssh_config) as OpenSSH reads it, with the
inventory's ssh_common_args ("-o Key=Value", "-J jump", "-p port") in front:
as on the ssh command line, they win over the files.
"""

import shlex
from pathlib import Path

from paramiko import SSHConfig

USER_SSH_CONFIG = "~/.ssh/config"
SYSTEM_SSH_CONFIG = "/etc/ssh/ssh_config"

DEFAULT_CONNECT_TIMEOUT = 10  # seconds, as Ansible's and pyinfra's; whole seconds: fabric truncates to int
SHORT_OPTIONS = {"-J": "ProxyJump", "-p": "Port", "-l": "User", "-i": "IdentityFile"}


class SSHArgsError(ValueError):
    """ssh_common_args holds something fleetctl cannot honour."""


def common_args_as_config(args: str | None) -> list[str]:
    """ssh_common_args as ssh_config lines ("ProxyJump bastion")."""
    words = shlex.split(args or "")
    lines = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in SHORT_OPTIONS or word == "-o":
            if index + 1 >= len(words):
                raise SSHArgsError(f"ssh_common_args: {word} needs a value")
            value = words[index + 1]
            index += 2
        elif word[:2] in SHORT_OPTIONS or word.startswith("-o"):
            word, value = word[:2], word[2:]
            index += 1
        else:
            raise SSHArgsError(f"ssh_common_args: unsupported argument {word!r}")
        if word == "-o":
            key, sep, option_value = value.partition("=")
            if not sep:
                key, _, option_value = value.partition(" ")
            lines.append(f"{key.strip()} {option_value.strip()}")
        else:
            lines.append(f"{SHORT_OPTIONS[word]} {value}")
    return lines


def load_ssh_config(host: str, ssh_common_args: str | None, ssh_config_file: str | None) -> SSHConfig:
    """The parsed configuration; ssh_config_file replaces ~/.ssh/config and the system file."""
    text = ""
    extra = common_args_as_config(ssh_common_args)
    if extra:
        text += f"Host {host}\n" + "".join(f"    {line}\n" for line in extra)
    files = [ssh_config_file] if ssh_config_file else [USER_SSH_CONFIG, SYSTEM_SSH_CONFIG]
    for file in files:
        path = Path(file).expanduser()
        if path.is_file():
            text += "\n" + path.read_text(errors="replace") + "\n"
    return SSHConfig.from_text(text)


def configured_connect_timeout(config: SSHConfig, host: str) -> int:
    """OpenSSH's ConnectTimeout for the host (seconds), else DEFAULT_CONNECT_TIMEOUT."""
    value = config.lookup(host).get("connecttimeout")
    if value is None:
        return DEFAULT_CONNECT_TIMEOUT
    if not value.isdigit() or int(value) < 1:
        raise SSHArgsError(f"ConnectTimeout must be a whole number of seconds, got {value!r}")
    return int(value)
