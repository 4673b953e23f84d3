"""The one Jinja2 environment of Berth, in which every blueprint's values template compiles.

Its `finalize` turns every `{{ expr }}` into ONE complete YAML flow value on one line
(generator/yamlio/writer.py `flow`), so no value from a request can change a values file's
structure. A leaf module: the blueprint loader compiles templates with it, the renderer
renders them.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from generator.yamlio.writer import flow


def _finalize(value: Any) -> str:
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises UndefinedError, naming what is missing
    return flow(value)


def make_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """The Jinja2 environment every blueprint template is compiled in, configured only here.

    Sandboxed: the templates are the platform team's, but nothing in them needs Python's
    internals either.
    """
    return SandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
