"""The wheel carries the files `berth init` and `berth upgrade` write into a platform
repository (workflows, CI templates, blueprint defaults), copied from this repository's own
files at build time: Git holds one copy of each. Everything else is in pyproject.toml."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "berth_manifest", ROOT / "generator" / "scaffold" / "manifest.py"
)
assert _spec is not None and _spec.loader is not None
manifest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(manifest)


class BuildWithShipped(build_py):
    """build_py, then the shipped files into generator/scaffold/shipped/."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "generator" / "scaffold" / "shipped"
        if target.exists():
            shutil.rmtree(target)
        for rel in manifest.shipped_paths(ROOT):
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest)


setup(cmdclass={"build_py": BuildWithShipped})
