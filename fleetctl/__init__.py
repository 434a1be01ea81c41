"""fleetctl: push-based deployment of Node.js services to heterogeneous fleets over SSH.

Data flows one way: inventory -> facts -> decision -> rendered files -> rollout.

The packages and modules form layers, lowest first. A module imports only from
its own package and from lower layers (tests/unit/test_layers.py enforces it):

    1. errors, resources, runtime, domain      shared types and shipped files
    2. yamlfile, templating, fanout, remote    shared mechanisms, and the programs run on hosts
    3. transport                               the only code that touches a host
    4. facts                                   the probe and its pure parsers
    5. inventory                               hosts, groups, variables, each host's typed settings
    6. policy                                  the decision table: facts + settings -> decision
    7. render, roles, build                    the unit and the roles' files, as text; the release's artifacts
    8. deploy                                  one host: its state, its steps, their execution
    9. rollout                                 hosts in batches, thresholds, the record
   10. plan, status, logs, adhoc               what each host is and would get; what runs there, its journal, a command
   11. lab                                     local test hosts in Docker
   12. cli                                     arguments in, text and exit codes out
"""

__version__ = "0.1.0"
