"""`berth init DIR`: a new platform repository, with no Berth source in it, rendered for no
tenants. Values come from the flags; a missing one is asked for only on a terminal."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import TextIO

from generator.commands import render, schema
from generator.models.errors import validate_model
from generator.models.platform import Platform
from generator.problems import UsageError
from generator.problems.words import human_list
from generator.scaffold.init import scaffold
from generator.scaffold.platform_file import Answers, default_repo_url, platform_yaml
from generator.scaffold.version import version
from generator.yamlio.reader import LoadError, parse_request

# The flag each part of the written platform.yaml comes from, for a message about a bad value.
_FLAG_OF = {
    "metadata.name": "--name",
    "spec.repoURL": "--repo-url",
    "spec.environments": "--domain",
    "spec.registries": "--registry",
    "spec.maintainers": "--maintainer",
}
_QUESTIONS = {
    "name": ("--name", "Platform name (a DNS label, e.g. globex)"),
    "domain": ("--domain", "Base domain (prod; dev. and staging. go before it)"),
    "registry": ("--registry", "Image registry prefix ending in / (e.g. ghcr.io/globex/)"),
    "maintainer": ("--maintainer", "Platform team member (Git hosting username)"),
}


def _ask(key: str, given: str | None, stdin: TextIO, err: TextIO) -> str:
    if given:
        return given
    flag, question = _QUESTIONS[key]
    if not stdin.isatty():
        raise UsageError(f"{flag} is required (berth init asks only on a terminal)")
    err.write(f"{question}: ")
    err.flush()
    answer = stdin.readline().strip()
    if not answer:
        raise UsageError(f"{flag} is required")
    return answer


def _check(answers: Answers) -> None:
    """Every value as platform.yaml will hold it, or a usage error naming the flag."""
    try:
        doc = parse_request(platform_yaml(answers, version()).encode("utf-8"), "platform.yaml")
    except LoadError as exc:
        raise UsageError(f"a value of the flags breaks platform.yaml: {exc}") from None
    _, problems = validate_model(Platform, doc)
    for problem in problems:
        flag = next((f for p, f in _FLAG_OF.items() if problem.field.startswith(p)), "a flag")
        raise UsageError(f"{flag}: {problem.message}")


def run(
    target: str,
    *,
    name: str | None,
    domain: str | None,
    registries: Sequence[str],
    maintainers: Sequence[str],
    host: str,
    repo_url: str | None,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
) -> int:
    if os.path.exists(target) and (not os.path.isdir(target) or os.listdir(target)):
        raise UsageError(f"{target} is not an empty folder; berth init makes a new repository")
    given = {"name": name, "domain": domain, "registry": registries, "maintainer": maintainers}
    missing = [_QUESTIONS[key][0] for key, value in given.items() if not value]
    if missing and not stdin.isatty():  # say every missing flag at once, not one per try
        verb = "is" if len(missing) == 1 else "are"
        raise UsageError(
            f"{human_list(missing)} {verb} required (berth init asks only on a terminal)"
        )
    name = _ask("name", name, stdin, err)
    answers = Answers(
        name=name,
        domain=_ask("domain", domain, stdin, err),
        registries=tuple(registries) or (_ask("registry", None, stdin, err),),
        maintainers=tuple(maintainers) or (_ask("maintainer", None, stdin, err),),
        host=host,
        repo_url=repo_url or default_repo_url(name, host),
    )
    _check(answers)
    written = scaffold(target, answers)
    quiet = io.StringIO()
    schema.run(target, check=False, out=quiet)
    status = render.run(target, check=False, fmt="text", out=quiet, err=err)
    if status != 0:
        return status
    out.write(
        f"berth: made {target} with berth {version()} for {host}: {len(written)} files,"
        " schemas/ and environments/ for no tenants yet\n"
        f"berth: next: cd {target} && git init && git add -A && git commit -m 'berth init'\n"
    )
    return 0
