"""Unit tests, laid out as fleetctl is: tests/unit/<package>/test_<module>.py tests fleetctl/<package>/<module>.py.

The folders are packages so that two of them may hold a module of the same
name (facts/test_model.py, inventory/test_model.py). tests/integration is not
one: its modules import its conftest by name.
"""
