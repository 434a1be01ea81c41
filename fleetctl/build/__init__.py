"""A release's artifacts, built on the control side: hosts receive the app with its node_modules and never run npm.

The control machine reads the app's package.json (source), installs its
dependency tree once with npm ci and tells a portable tree from a native one
(tree), builds a native tree once per platform on a builder (builders), keeps
what it built (cache), and decides and does all of it per platform (artifacts).
Archives are reproducible tar.gz files (archive).

It sits beside render and roles in fleetctl's layers (fleetctl/__init__.py).
"""
