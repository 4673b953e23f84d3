"""Berth: pull-request-driven GitOps tenants."""

__version__ = "0.1.0"
