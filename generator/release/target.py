"""Releases as data: the image each application runs in each environment, and the edits of
its request file that `berth bump` and `berth promote` make.

Everything here is pure: the commands (generator/commands/bump.py,
generator/commands/promote.py, generator/commands/status.py) read and write. Values from the
command line or a dispatch payload are checked here by the request models' own validators before
they reach a path or a file: a name is a DNS label (so `../x` never becomes a path), a tag
matches the tag rule (so `$(...)`, `;` or `${{ }}` never reach the file), a digest is `sha256:`
and 64 lowercase hex digits.
"""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError

from generator.models.application import AppEnvironment, Application, AppName
from generator.models.common import TenantName
from generator.models.image import Image
from generator.models.platform import Platform
from generator.problems import BerthError, Problem
from generator.problems.words import human_list
from generator.release.read import TenantRequests
from generator.repo import layout
from generator.yamlio.edit import Edit

ARGUMENTS = "<arguments>"  # the "file" of problems in command-line values

_TENANT: TypeAdapter[str] = TypeAdapter(TenantName)
_APP: TypeAdapter[str] = TypeAdapter(AppName)
_ENVIRONMENT: TypeAdapter[AppEnvironment] = TypeAdapter(AppEnvironment)


def argument_problem(field: str, message: str) -> BerthError:
    return BerthError([Problem(ARGUMENTS, 1, 1, field, message)])


def _messages(adapter: TypeAdapter[str], value: str) -> list[str]:
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        return [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
    return []


def parse_target(text: str, *, app_required: bool) -> tuple[str, str | None]:
    """`TENANT/APP` (or `TENANT` when the app is optional), both checked as names."""
    tenant, slash, app = text.partition("/")
    if app_required and not slash:
        raise argument_problem("target", f"{text!r} is not TENANT/APP, such as payments/api")
    problems = [Problem(ARGUMENTS, 1, 1, "tenant", m) for m in _messages(_TENANT, tenant)]
    if slash:
        problems += [Problem(ARGUMENTS, 1, 1, "app", m) for m in _messages(_APP, app)]
    if problems:
        raise BerthError(problems)
    return tenant, app if slash else None


def check_image(tag: str | None, digest: str | None) -> Image:
    """The image given on the command line, by the model's rules for tag and digest."""
    if tag is None and digest is None:
        raise argument_problem("image", "give --tag TAG, --digest sha256:<64 hex digits>, or both")
    try:
        _ENVIRONMENT.validate_python({"tag": tag, "digest": digest})
    except ValidationError as exc:
        raise BerthError(
            [
                Problem(
                    ARGUMENTS,
                    1,
                    1,
                    "--" + ".".join(str(p) for p in e["loc"]),
                    str(e["msg"]).removeprefix("Value error, "),
                )
                for e in exc.errors()
            ]
        ) from None
    return Image(tag, digest)


def environment_index(platform: Platform, name: str, option: str) -> int:
    names = [env.name for env in platform.spec.environments]
    if name not in names:
        raise argument_problem(
            option,
            f"{name!r} is not an environment of platform.yaml; use"
            f" {human_list(names, 'or', quote=True)}",
        )
    return names.index(name)


def find_app(requests: TenantRequests, app: str) -> Application:
    tenant = requests.tenant
    if not requests.exists:
        raise argument_problem("tenant", f"there is no tenant {tenant!r} in tenants/")
    found = requests.apps.get(app)
    if found is None:
        known = sorted(requests.apps)
        raise argument_problem(
            "app",
            f"tenant {tenant!r} has no application {app!r}; it has {human_list(known, quote=True)}",
        )
    return found


def env_path(env: str) -> tuple[str, ...]:
    return ("spec", "environments", env)


def image_edits(env: str, current: Image, wanted: Image) -> list[Edit]:
    """The edits that make `env` run `wanted`.

    A new tag without a digest drops the old digest (it pins the old image, and the digest
    is what pulls); a new digest without a tag keeps the tag, which then only labels it.
    """
    path = env_path(env)
    changes: list[Edit] = []
    if wanted.tag is not None and wanted.tag != current.tag:
        changes.append(Edit((*path, "tag"), wanted.tag, after=("digest", "replicas")))
    if wanted.digest is not None and wanted.digest != current.digest:
        changes.append(Edit((*path, "digest"), wanted.digest, after=("tag", "replicas")))
    stale_digest = wanted.digest is None and current.digest is not None
    if stale_digest and wanted.tag is not None and (wanted.tag != current.tag or changes):
        changes.append(Edit((*path, "digest"), None))
    return changes


def request_file(tenant: str, app: str) -> str:
    return layout.app_file(tenant, app)
