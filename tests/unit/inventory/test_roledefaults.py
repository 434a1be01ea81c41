"""A role's defaults.yaml: the lowest precedence of the hosts that list the role."""

from ..inventories_with_roles import lb_inventory


def test_role_defaults_sit_below_the_inventory(tmp_path):
    inventory, _ = lb_inventory(tmp_path, "nginx_lb_port: 8080\n")
    lb = inventory.host("lb1")
    assert lb.vars["nginx_lb_port"] == 8080  # the inventory wins
    assert lb.vars["nginx_lb_name"] == "fleet"  # the role's default fills in
    assert lb.vars["fleet_app_name"] is None  # null unsets the app the all group sets
    assert "nginx_lb_port" not in inventory.host("web1").vars  # only hosts with the role get its defaults
