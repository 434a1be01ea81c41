"""lock_root: which folder of a host its deploy locks.

run_job itself is not run here: it takes the lock under /opt/<app> or
/var/lib/fleetctl, root's folders on the machine running the tests. The CLI's
deploy test (tests/unit/cli/test_deploy.py) and the integration tests run it.
"""

from types import MappingProxyType

from fleetctl.deploy.job import HostJob
from fleetctl.deploy.run import LOCK_ROOT_WITHOUT_APP, lock_root
from fleetctl.deploy.steps import DesiredState
from fleetctl.domain import Mode
from fleetctl.inventory import AppSpec, Host
from fleetctl.policy import Decision

SINGLE = Decision(Mode.SINGLE, 1, None, "a pi", "pi", 320)


def job(app: AppSpec | None) -> HostJob:
    host = Host("web1", ("all",), MappingProxyType({}))
    desired = DesiredState(app=app, decision=SINGLE, release_id="r1", archive=b"tar", unit="[Unit]\n",
                           process="{}\n", env="", runtime=b"") if app else None
    return HostJob(host, desired)


def test_an_app_host_locks_its_apps_folder():
    assert lock_root(job(AppSpec(name="shop", user="shop"))) == "/opt/shop"


def test_two_apps_on_one_host_lock_apart():
    assert lock_root(job(AppSpec(name="shop", user="shop"))) != lock_root(job(AppSpec(name="api", user="api")))


def test_a_host_without_an_app_locks_fleetctls_own_folder():
    assert lock_root(job(None)) == LOCK_ROOT_WITHOUT_APP == "/var/lib/fleetctl"
