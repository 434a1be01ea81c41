"""Pure: an inventory's hosts and their roles -> each host's rendered files and the hooks of its rollout.

Templates see what an Ansible template sees: the host's merged variables,
``inventory_hostname``, ``group_names``, ``groups`` (group -> host names, child
groups' hosts included), ``hostvars`` (host -> variables) and
``inventory_hostnames(pattern)`` (the hosts a --limit style pattern selects, as
Ansible's lookup of that name). A hook with ``during`` also sees ``role_host``,
the host whose role gave it. Nothing here
contacts a host: rendering happens before the probe, so a template error is
reported with no host touched.
"""

import functools
from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from fleetctl.domain import HOOK_POINTS, Command, Hook
from fleetctl.inventory import Host, Inventory, InventoryError, RoleError
from fleetctl.roles.role import Role, RoleHook, load_role
from fleetctl.templating import environment, render


@functools.cache
def _strings():
    """The environment for the one-line templates of dest paths, commands and delegate_to."""
    return environment()


@dataclass(frozen=True)
class RenderedFile:
    role: str
    path: str
    content: bytes = field(repr=False)
    owner: str
    group: str
    mode: int
    on_change: Command | None
    secret: bool = False  # plan shows its size, never a diff


@dataclass(frozen=True)
class HostRoles:
    roles: tuple[str, ...]
    files: tuple[RenderedFile, ...]
    hooks: MappingProxyType  # point -> tuple[Hook, ...], in the order they run

    def hooks_at(self, point: str) -> tuple[Hook, ...]:
        return self.hooks.get(point, ())


NO_ROLES = HostRoles((), (), MappingProxyType({}))


def roles_of(host: Host) -> list[Role]:
    return [load_role(Path(path)) for path in host.rollout.roles]


def inventory_roles(inventory: Inventory, hosts: Sequence[Host]) -> dict[str, HostRoles]:
    """Host name -> its roles' files and its rollout's hooks, for each of `hosts`.

    Raises RoleError (one line naming the host, role and template) when a
    template cannot be rendered.
    """
    context = _Context(inventory)
    during = _during_hooks(inventory, context)
    result = {}
    for host in hosts:
        roles = roles_of(host)
        files = tuple(rendered for role in roles for rendered in _render_files(role, host, context))
        hooks: dict[str, list[Hook]] = {point: [] for point in HOOK_POINTS}
        for hook in host.rollout.hooks:
            hooks[hook.point].append(hook)
        for role in roles:
            for hook in role.hooks:
                if hook.during is None:
                    hooks[hook.point].append(_render_hook(role, hook, host, context, role_host=None))
        for role_host, role, hook, matched in during:
            if host.name in matched:
                hooks[hook.point].append(_render_hook(role, hook, host, context, role_host=role_host))
        result[host.name] = HostRoles(
            roles=tuple(role.name for role in roles), files=files,
            hooks=MappingProxyType({point: tuple(found) for point, found in hooks.items() if found}),
        )
    _check_unique_paths(result)
    return result


class _Context:
    """The variables every template of one inventory sees, built once."""

    def __init__(self, inventory: Inventory):
        self.inventory = inventory
        # Each host's variables render when a template reads them (a host it never reads never fails it).
        self.hostvars = {host.name: host.vars for host in inventory.hosts}
        self.groups = {name: [host.name for host in inventory.hosts_in_group(name)] for name in inventory.groups}
        self.groups.setdefault("all", [host.name for host in inventory.hosts])

    def inventory_hostnames(self, pattern: str) -> list[str]:
        return [host.name for host in self.inventory.select(pattern)]

    def of(self, host: Host, **extra) -> Mapping:
        magic = {
            "inventory_hostname": host.name,
            "group_names": sorted(name for name in host.groups if name != "all"),
            "groups": self.groups, "hostvars": self.hostvars, "inventory_hostnames": self.inventory_hostnames,
            **extra,
        }
        scope = getattr(host.vars, "template_scope", None)
        return scope(**magic) if scope else ChainMap(magic, host.vars)


def _render(role: Role, host: Host, what: str, text: str, variables: Mapping) -> str:
    import jinja2  # see fleetctl.templating

    try:
        return render(_strings().from_string(text), variables)
    except (jinja2.TemplateError, InventoryError) as error:
        raise RoleError(f"host {host.name}: role {role.name}: {what}: {error}") from None


def _render_files(role: Role, host: Host, context: _Context) -> list[RenderedFile]:
    import jinja2  # see fleetctl.templating

    variables = context.of(host)
    files = []
    for template in role.templates:
        path = _render(role, host, f"dest of {template.src}", template.dest, variables).strip()
        if not path.startswith("/") or ".." in path.split("/") or any(char.isspace() for char in path):
            raise RoleError(f"host {host.name}: role {role.name}: {template.src} would go to {path!r},"
                            " not an absolute path without '..' or spaces")
        try:
            content = render(role.template(template.src), variables)
        except (jinja2.TemplateError, InventoryError) as error:
            where = f"templates/{template.src}"
            line = getattr(error, "lineno", None)
            raise RoleError(f"host {host.name}: role {role.name}: {where}{f':{line}' if line else ''}: {error}") from None
        on_change = template.on_change
        if on_change is not None:
            on_change = _render_command(role, host, "on_change", on_change, variables)
        files.append(RenderedFile(role.name, path, content.encode(), template.owner, template.group,
                                  template.mode, on_change, template.secret))
    return files


def _render_command(role: Role, host: Host, what: str, command: Command, variables: Mapping) -> Command:
    if isinstance(command, str):
        return _render(role, host, what, command, variables)
    return tuple(_render(role, host, what, word, variables) for word in command)


def _render_hook(role: Role, hook: RoleHook, host: Host, context: _Context, role_host: str | None) -> Hook:
    variables = context.of(host, **({"role_host": role_host} if role_host else {}))
    what = f"hooks.yaml {hook.point}"
    command = _render_command(role, host, what, hook.command, variables)
    delegate = _render(role, host, what, hook.delegate_to, variables).strip() if hook.delegate_to else None
    source = f"role {role.name}" + (f" of {role_host}" if role_host else "")
    return Hook(hook.point, command, delegate or role_host, source, hook.undoes)


def _during_hooks(inventory: Inventory, context: _Context) -> list[tuple[str, Role, RoleHook, set[str]]]:
    """(role host, role, hook, names of the hosts whose rollout it joins) for every hook with during."""
    found = []
    for role_host in inventory.hosts:
        for role in roles_of(role_host):
            for hook in role.hooks:
                if hook.during is None:
                    continue
                pattern = _render(role, role_host, f"hooks.yaml {hook.point} during", hook.during,
                                  context.of(role_host)).strip()
                try:
                    # A host never joins its own rollout this way (a load balancer does not drain itself).
                    matched = {host.name for host in inventory.select(pattern)} - {role_host.name}
                except InventoryError as error:  # the pattern matches nothing
                    raise RoleError(f"host {role_host.name}: role {role.name}: during {pattern!r}: {error}") from None
                found.append((role_host.name, role, hook, matched))
    return found


def _check_unique_paths(result: dict[str, HostRoles]) -> None:
    for name, host_roles in result.items():
        seen: dict[str, str] = {}
        for rendered in host_roles.files:
            if rendered.path in seen:
                raise RoleError(f"host {name}: roles {seen[rendered.path]} and {rendered.role} both write"
                                f" {rendered.path}")
            seen[rendered.path] = rendered.role
