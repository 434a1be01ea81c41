"""INI inventories: read as ansible-core's ini plugin reads them; a bad line is file:line, says INI, quotes the line."""

import pytest

from fleetctl.inventory import InventoryError, load_inventory
from fleetctl.inventory.ini import parse_value

from .ansible_oracle import AnsibleView, ansible_view, fleetctl_view
from .trees import write_files

SNIPPETS = {
    "quotes, tabs, comments and CRLF": (
        '[web]\r\nw1 a="x y" b=\'q # not comment\' c=1 # comment\r\n\tw2\tport=2\r\n[web:vars]\r\n'
        'k = "v=1" ; x\r\nesc=a\\"b\r\nd={"a": [1, {"b": None}]}\r\nu=héllo\r\nempty=\r\n'),
    "children of children, declared in any order": (
        "[a:children]\nb\n[b:children]\nc\n[c]\nc1\n[b]\nb1\n[a]\na1\n[d:children]\na\nc\n"),
    "all, ungrouped and their vars": "[all]\nh0\n[ungrouped]\nh1\n[web]\nh1\n[all:vars]\nx=1\n[ungrouped:vars]\ny=2\n",
    "ranges, ports and IPv6": "[web]\nweb[1:3]:2222\n10.0.0.[1:2]\n[::1]:2200 name=v6\nfe80::1\nhost-[a:b]-[01:02]\n",
    "a group's priority in :vars, and a host's own": (
        "[a]\nh1\n[b]\nh1\n[a:vars]\nx=a\nansible_group_priority=5\n[b:vars]\nx=b\n[c]\nh1 ansible_group_priority=9\n"),
    "literals of every kind": (
        "h1 i=1 f=1.5 t=True n=None l=[1,2] d={'k':1} tup=(1,2) s=text hexa=0x1F b=b'x' set={1} e=... c=2j"
        " sci=1e3 neg=-1 bigint=123456789012345678901234567890 q=\"'quoted'\" yes=yes\n"),
    "the same host in sections, later values win": "[a]\nh1 x=1 y=1\n[b]\nh1 x=2\n[a]\nh1 y=3\n",
    "section comments and spaces around": "[web] # the web\n  w1  \n\n[web:vars]   # vars\n  a = 1  \n",
}


@pytest.mark.parametrize("name", list(SNIPPETS))
def test_ini_read_as_ansible_core_reads_it(tmp_path, name):
    path = write_files(tmp_path, {"hosts.ini": SNIPPETS[name]}) / "hosts.ini"
    assert fleetctl_view(load_inventory(path)) == ansible_view(path)


@pytest.mark.parametrize(("text", "line", "message"), [
    ("[web]\nweb1 ansible_host=10.0.0.1 become\n", 2,
     "expected key=value after the host name, got 'become' (read as an INI inventory; the line:"
     " web1 ansible_host=10.0.0.1 become)"),
    ("[web:foo]\nh1\n", 1, "section [web:foo] has an unknown type 'foo' (known: vars, children) (read as an INI"
                           " inventory; the line: [web:foo])"),
    ("[a:children]\nnope\n", 2, "section [a:children] names group nope, which is declared nowhere in the file"
                                " (read as an INI inventory; the line: nope)"),
    ("[x:vars]\na=1\n", 1, "section [x:vars] is for a group that is declared nowhere in the file (read as an INI"
                           " inventory; the line: [x:vars])"),
    ("[web]\nh1:\n", 2, "host 'h1:' ends with ':', which is kept for a port (host:port) (read as an INI inventory;"
                        " the line: h1:)"),
    ("[ web ]\nh1\n", 1, "invalid section header: a section is [group], [group:vars] or [group:children], without"
                         " spaces (read as an INI inventory; the line: [ web ])"),
    ('[web]\nh"1\n', 2, "cannot split the host line: No closing quotation (read as an INI inventory; the line: h\"1)"),
    ("[web:vars]\nfoo\n[web]\nh\n", 2, "expected key=value in a :vars section (read as an INI inventory; the line:"
                                       " foo)"),
    ("[web:children]\na b\n", 2, "expected a group name in a :children section (read as an INI inventory; the"
                                 " line: a b)"),
    ("[web]\nweb[1:3:0]\n", 2, "host range in 'web[1:3:0]' has an invalid step '0' (read as an INI inventory; the"
                               " line: web[1:3:0])"),
    ("[web]\nh1 ansible_password=hunter2 db_secret='x y' token=t1 oops\n", 2,
     "expected key=value after the host name, got 'oops' (read as an INI inventory; the line: h1"
     " ansible_password=*** db_secret=*** token=*** oops)"),
    ("web0\n---\n", 2, "a host named '---': this looks like a YAML file (read as an INI inventory; the line: ---)"),
])
def test_a_bad_ini_line_is_file_line_says_ini_and_quotes_the_line(tmp_path, text, line, message):
    path = write_files(tmp_path, {"hosts": text}) / "hosts"
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert str(caught.value) == f"{path}:{line}: {message}"
    # ansible-core refuses the file too (and keeps the hosts read before the bad line: fleetctl stops instead)
    assert f"Unable to parse {path} as an inventory source" in AnsibleView(path).warnings


def test_a_secret_on_a_bad_line_is_not_quoted(tmp_path):
    path = write_files(tmp_path, {"hosts": "[web]\nh1 ansible_become_pass=hunter2 broken\n"}) / "hosts"
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(("text", "value"), [
    ("1", 1), ("True", True), ("None", None), ("[1, (2, 3)]", [1, [2, 3]]), ("{'a': {1, }}", {"a": [1]}),
    ("text", "text"), ("FALSE", "FALSE"), ("'quoted'", "quoted"), ("...", "..."), ("1j", "1j"), ("b'x'", "x"),
    ("1 + 1", "1 + 1"), ("[1,", "[1,"), ("", ""),
])
def test_values_are_python_literals_where_they_spell_one(text, value):
    assert parse_value(text) == value
