"""The hosts of a group in Ansible's order: its own, then its descendants' level by level.

Ansible (``Group.get_hosts``) lists the group, then its children in order, then
the groups one level further down, and so on, each group once; then the hosts
of those groups in that order, each host once. Below the first level Ansible
walks a Python set of groups, whose order changes from run to run (its groups
hash by identity); here each level keeps the order in which its groups were
first reached, the order Ansible's sets give when they iterate as inserted.
"""

from collections.abc import Mapping


def descendants(groups: Mapping, name: str) -> list[str]:
    """``name`` and every group below it, breadth first, each once."""
    ordered = [name]
    seen = {name}
    level = [name]
    while level:
        next_level = []
        for group in level:
            for child in groups[group].children:
                if child not in seen:
                    seen.add(child)
                    ordered.append(child)
                    next_level.append(child)
        level = next_level
    return ordered


def group_host_names(groups: Mapping, name: str) -> list[str]:
    """The names of the hosts in group ``name`` or any group below it, in Ansible's order."""
    names: dict[str, None] = {}
    for group in descendants(groups, name):
        names.update(dict.fromkeys(groups[group].hosts))
    return list(names)
