"""ACME's pip-doctor plugin: the hooks are in :mod:`acme_pip_doctor.plugin`."""

__version__ = "1.0.0"
