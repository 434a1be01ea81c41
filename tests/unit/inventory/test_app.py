"""AppSpec: every path of an app on its host."""

from fleetctl.inventory import load_inventory

from ..fixture_files import INVENTORY_FIXTURES as FIXTURES

NESTED = FIXTURES / "nested" / "fleet.yaml"


def test_app_spec_paths_on_the_host():
    spec = load_inventory(NESTED).host("s1").app
    assert spec.root == "/opt/shop"
    assert spec.release_dir("20260101-120000") == "/opt/shop/releases/20260101-120000"
    assert (spec.current, spec.shared) == ("/opt/shop/current", "/opt/shop/shared")
    assert spec.env_file == "/etc/fleet/shop.env"
    assert spec.unit_name == "fleet-shop.service"
    assert spec.unit_path == "/etc/systemd/system/fleet-shop.service"
    assert spec.process_file == "/etc/fleet/shop.process.json"
    assert spec.runtime_state_file == "/run/shop/state.json"
    assert spec.env == (("DATABASE_URL", "postgres://shop@db/shop"), ("FEATURE_X", "true"))
