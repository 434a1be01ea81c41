"""Packages fleetctl with the repo's top-level templates/ and roles/ inside the wheel.

They stay at the top of the repo for people reading it, and ship as
fleetctl/templates and fleetctl/roles so an installed fleetctl finds them
(fleetctl/resources.py looks in both places).
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["fleetctl", "fleetctl.*"]) + ["fleetctl.templates", "fleetctl.roles"],
    package_dir={"fleetctl.templates": "templates", "fleetctl.roles": "roles"},
)
