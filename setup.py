"""Packages fleetctl with the repo's top-level templates/ and roles/ inside the wheel.

They stay at the top of the repo for people reading it, and ship as
fleetctl/templates and fleetctl/builtin_roles so an installed fleetctl finds them
(fleetctl/resources.py looks in both places).
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["fleetctl", "fleetctl.*"]) + ["fleetctl.templates", "fleetctl.builtin_roles"],
    package_dir={"fleetctl.templates": "templates", "fleetctl.builtin_roles": "roles"},
)
