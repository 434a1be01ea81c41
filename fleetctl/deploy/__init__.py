"""Deploying an app to one host: the release, the host's state, the steps, the health gate, the lock."""
