"""Roles: reusable folders of defaults, templates and hooks, listed per host in fleet_roles (role.py loads one, render.py renders them for hosts)."""
