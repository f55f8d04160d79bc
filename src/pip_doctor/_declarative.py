"""Declarative rules from TOML files (PIP_DOCTOR_RULES and the site-wide file)."""

from __future__ import annotations
