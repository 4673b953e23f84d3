"""Berth as an installed tool in a platform repository: its version, the files it ships
(workflows, CI templates, blueprint defaults), `berth init` and `berth upgrade`."""
