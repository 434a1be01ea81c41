"""Inventories built to exercise one rule of Ansible's each: {case: (entry path, {file: text})}.

The differential tests load each with fleetctl and with ansible-core and
compare hosts, their order, groups and every host's variables.
"""

YAML_STRUCTURE = {
    "nested groups, orphans and a host in two groups": ("hosts.yml", {"hosts.yml": """
web:
  hosts:
    w1:
    w2: {http_port: 8080}
all:
  vars: {colour: grey}
  hosts:
    lonely:
  children:
    prod:
      children:
        db:
          hosts: {d1: , w1: {role: both}}
        web:
      vars: {colour: red}
    staging:
      hosts: {s1: }
      children:
        canary:
          hosts: {c1: , w2: }
"""}),
    "Ansible's quirks: host:port keys, string hosts and children, null and empty groups": ("hosts.yml", {
        "hosts.yml": """
all:
  hosts:
    web1.example.com:2222:
    "[::1]:2200":
    plain:
  children:
    strhosts:
      hosts: solo
    nullgroup:
    emptyg: {}
    weird:
      hostz: {x: 1}
      other: 5
    kids:
      children: strhosts
      vars: justname
web:
  hosts:
    w[1:2]:
      ansible_group_priority: 5
  vars:
    ansible_group_priority: "7"
    v: web
listgroup: [a, b]
"""}),
    "deep host order (Ansible's breadth-first walk)": ("hosts.yml", {"hosts.yml": """
all:
  children:
    za:
      children:
        za1: {hosts: {h_za1: }}
        za2: {hosts: {h_za2: }}
    b:
      children:
        b1: {hosts: {h_b1: }}
    c:
      children:
        c1: {hosts: {h_c1: }}
      hosts: {h_c: }
    d:
      children:
        d1:
          children:
            d11: {hosts: {h_d11: , h_c: }}
  hosts:
    top:
"""}),
    "ungrouped: explicit, implicit, and left for another group": ("hosts.yml", {"hosts.yml": """
ungrouped:
  hosts: {u1: , u2: }
all:
  hosts: {a1: , u2: }
  children:
    web:
      hosts: {u2: , w: }
"""}),
    "ranges with variables, YAML anchors and merge keys": ("hosts.yml", {"hosts.yml": """
x-common: &common {ansible_user: deploy, tier: 1}
all:
  children:
    web:
      hosts:
        web[01:03]:
          <<: *common
          tier: 2
        db-[a:c].example.com: *common
"""}),
    "a JSON inventory file, read by the YAML reader": ("hosts.json", {"hosts.json": """
{"all": {"children": {"web": {"hosts": {"w1": {"port": 1}, "w2": null}, "vars": {"a": [1, 2]}}}}}
"""}),
    "a group and a host with one name; dict values replaced whole": ("hosts.yml", {"hosts.yml": """
all:
  vars:
    settings: {a: 1, b: 2}
  children:
    web:
      vars:
        settings: {b: 3}
      hosts:
        web:
          settings: {c: 4}
"""}),
    "empty vars and hosts sections, and a host listed twice with different ports": ("hosts.yml", {"hosts.yml": """
all:
  vars:
  hosts:
    h1:2201:
  children:
    g:
      hosts:
        h1:2202: {x: 1}
      vars: {}
"""}),
}

INI = {
    "sections, ranges, ports, literals in host lines and :vars": ("hosts.ini", {"hosts.ini": """
# comment
top1 a=1 b=True c="quoted str" d=[1,2] e={'k':'v'} f=yes g=1.5 h=0x10 i=None j='x' k=FALSE l=1e3 m=(1,2) n=... o=1j
; semicolon comment
[web]
web[01:03]:2222 ansible_user=deploy
web10 ansible_host=10.0.0.10   # trailing comment
[web:vars]
a=1
b=True
c="quoted str"
d=[1,2]
k=FALSE
s = spaced value  # not a comment
u=a=b
[db]
db1
[prod:children]
web
db
[prod:vars]
ansible_group_priority="10"
"""}),
    "children and vars before their groups are declared": ("inventory", {"inventory": """
[all:vars]
who=all
[cluster:children]
masters
workers
[workers:vars]
role=worker
[masters]
m1 role=master
[workers]
w1
w2 ansible_port=2222
[ungrouped]
loner
[cluster:vars]
who=cluster
"""}),
    "a host in several sections; hosts before any section": ("hosts", {"hosts": """
first
second x=1
[a]
second x=2 y=a
[b]
second y=b
first
[a:vars]
ansible_group_priority=3
z=a
[b:vars]
z=b
"""}),
    "an INI file without extension holding only host names": ("hosts", {"hosts": "alpha\nbeta\n\ngamma:2200\n"}),
}

FOLDERS = {
    "an inventory folder: YAML, INI, extensionless, ignored names, subfolders": (".", {
        "01-web.yml": "web:\n  hosts:\n    w1: {src: yaml}\n",
        "02-db.ini": "[db]\nd1 src=ini\n[web]\nw1 src=ini-too\n",
        "03-hosts": "[extra]\ne1\n",
        "README.md": "not: an inventory\n",
        "notes.txt": "[nope]\nn1\n",
        "backup.bak": "[nope]\nn2\n",
        "hosts~": "[nope]\nn3\n",
        ".hidden": "[nope]\nn4\n",
        "ansible.cfg": "[defaults]\n",
        "sub/inner.yml": "all:\n  hosts:\n    inner1:\n",
        "group_vars/all.yml": "from_folder: 1\n",
        "group_vars/web/10.yml": "w: 10\n",
        "host_vars/d1.yml": "hv: 1\n",
    }),
}

VARS_FILES = {
    "group_vars: a folder wins over NAME.yml, files in name order through subfolders": ("hosts.yml", {
        "hosts.yml": "all:\n  children:\n    a: {hosts: {h1: }}\n    b: {hosts: {h1: }}\n"
                     "    web-servers: {hosts: {h2: }}\n",
        "group_vars/all.yml": "from_all_yml: 1\n",
        "group_vars/all/z.yml": "x: dir_z\n",
        "group_vars/all/sub/a.yml": "x: dir_sub\nsub: 1\n",
        "group_vars/all/m": "x: dir_m\nm: 1\n",
        "group_vars/all/n.txt": "x: txt\n",
        "group_vars/all/zz.yml~": "x: bak\n",
        "group_vars/all/.hidden.yml": "x: hidden\n",
        "group_vars/all/v1.d/x.yml": "x: dotted folder\n",
        "group_vars/all/k.json": '{\n\t"x": "json_tab",\n\t"j": 1\n}\n',
        "group_vars/b/main.yml": "ansible_group_priority: 10\np: b\n",
        "group_vars/a.yml": "p: a\n",
        "group_vars/a.yaml": "p: a_yaml\n",
        "host_vars/ghost.yml": "stray: 1\n",
        "host_vars/h1": "hv: 1\n",
        "host_vars/h2/vars": "hv: dir\n",
        "host_vars/h2/empty.yml": "---\n",
        "host_vars/h2/comments.yml": "# nothing\n",
    }),
    "NAME.yml before NAME.yaml before NAME.json; extensionless first": ("hosts.yml", {
        "hosts.yml": "all:\n  children:\n    g1: {hosts: {h1: }}\n    g2: {hosts: {h2: }}\n    g3: {hosts: {h3: }}\n",
        "group_vars/g1.yml": "v: yml\n", "group_vars/g1.yaml": "v: yaml\n", "group_vars/g1.json": '{"v": "json"}',
        "group_vars/g2.yaml": "v: yaml\n", "group_vars/g2.json": '{"v": "json"}',
        "group_vars/g3": "v: none\n", "group_vars/g3.yml": "v: yml\n",
    }),
    "precedence: every layer, depth, priority, then name": ("hosts.yml", {
        "hosts.yml": """
all:
  vars: {v1: all-inline, v2: all-inline, v3: all-inline, v4: all-inline, v5: all-inline, v6: all-inline}
  children:
    parent:
      vars: {v1: parent-inline, v2: parent-inline, v3: parent-inline}
      children:
        child:
          vars: {v1: child-inline, v2: child-inline}
          hosts:
            h1: {v1: host-inline}
    alpha:
      vars: {order: alpha}
      hosts: {h1: , h2: }
    beta:
      vars: {order: beta, ansible_group_priority: 0}
      hosts: {h1: , h2: }
    gamma:
      vars: {order: gamma}
      hosts: {h2: }
""",
        "group_vars/all.yml": "v3: all-file\nv4: all-file\nv5: all-file\n",
        "group_vars/parent.yml": "v2: parent-file\nv4: parent-file\n",
        "group_vars/child.yml": "v4: child-file\nv6: child-file\n",
        "group_vars/alpha.yml": "file_order: alpha\n",
        "group_vars/gamma.yml": "file_order: gamma\n",
        "host_vars/h1.yml": "v5: host-file\n",
    }),
}

ALL_CASES = {**YAML_STRUCTURE, **INI, **FOLDERS, **VARS_FILES}
