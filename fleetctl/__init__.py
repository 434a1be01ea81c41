"""fleetctl: push-based deployment of Node.js services to heterogeneous fleets over SSH.

Data flows one way: inventory -> facts -> decision -> rendered files -> rollout.
"""

__version__ = "0.1.0"
