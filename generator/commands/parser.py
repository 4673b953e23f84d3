"""The `berth` command line's grammar: every command, its arguments and their help, and the
one-line synopsis of each that the README and docs/commands.md show (tests/test_cli_synopsis.py
holds them to it).

Global options (`--root`) are accepted before or after the command, as git accepts `-C`
only before but users type both: each command's parser repeats them with a suppressed
default, so a value given after the command wins and one given before is kept otherwise.
Every command that prints a report takes the same `--format` and `--output FILE`
(docs/commands.md, "Reports"): FILE gets the report in `--format`, stdout the report as
the job log reads it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from generator.problems.reporters import FORMATS
from generator.scaffold.version import version

ROOT_HELP = (
    "the repository root (default: the nearest folder upwards from the current one that"
    " holds platform.yaml, as git finds .git)"
)
OUTPUT_HELP = (
    "write the report in --format to FILE; stdout then gets it as text (as workflow"
    " annotations under GitHub Actions)"
)
BASE_HELP = (
    "only what the change since Git revision REF can affect (the pull-request check; sound"
    " when REF passed the full check)"
)
if TYPE_CHECKING:  # subscriptable for the type checker only
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="berth", description="Tenant requests in, a guarded Argo CD tree out."
    )
    _global_options(parser, default=None)
    parser.add_argument("--version", action="version", version=f"berth {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _check_commands(sub)
    _verify_command(sub)
    _plan_command(sub)
    cost = _command(sub, "cost", "monthly cost per tenant, environment and cost center")
    _report_options(cost, ("text", "json", "markdown", "csv"), default="text")
    comment = _command(sub, "comment", "post or update the sticky comment on this PR/MR")
    comment.add_argument("--file", required=True, metavar="FILE", help="the comment's Markdown")
    comment.add_argument(
        "--marker", default="berth:plan", metavar="NAME", help="default: berth:plan"
    )
    intake = _command(sub, "intake", "turn a request issue into a pull request")
    intake.add_argument(
        "--event", metavar="FILE", help="issue event payload (default: $GITHUB_EVENT_PATH)"
    )
    _release_commands(sub)
    _expire_command(sub)
    _scaffold_commands(sub)
    return parser


def _expire_command(sub: Subparsers) -> None:
    expire = _command(sub, "expire", "remove the scenarios that have expired, as a pull request")
    expire.add_argument(
        "--today",
        metavar="DATE",
        help="the date to judge `expires` by, YYYY-MM-DD (default: $BERTH_TODAY, else today in UTC)",
    )
    _proposal_options(expire)


def _scaffold_commands(sub: Subparsers) -> None:
    init = sub.add_parser(
        "init",
        help="make a new platform repository in an empty folder (docs/upgrading.md)",
        description="make a new platform repository in an empty folder (docs/upgrading.md)",
    )
    init.add_argument("directory", metavar="DIR", help="the new repository's folder (empty)")
    init.add_argument("--name", help="the platform's name, a DNS label (metadata.name)")
    init.add_argument(
        "--domain", help="prod's domain; dev and staging get dev.DOMAIN and staging.DOMAIN"
    )
    init.add_argument(
        "--registry",
        action="append",
        default=[],
        metavar="PREFIX",
        help="an image prefix apps may use, ending in / (repeatable)",
    )
    init.add_argument(
        "--maintainer",
        action="append",
        default=[],
        metavar="USER",
        help="a platform team member, a Git hosting username (repeatable)",
    )
    init.add_argument(
        "--host", choices=("github", "gitlab"), default="github", help="default: github"
    )
    init.add_argument(
        "--repo-url",
        metavar="URL",
        help="what Argo CD pulls from (default: https://HOST.com/NAME/platform.git)",
    )
    _command(
        sub,
        "upgrade",
        "move this repository to the installed berth: its files rewritten, blueprints/"
        " merged, re-rendered",
    )


def _global_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument("--root", metavar="DIR", default=default, help=ROOT_HELP)


def _command(sub: Subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    command = sub.add_parser(name, help=help_text, description=help_text)
    _global_options(command, default=argparse.SUPPRESS)
    return command


def _report_options(
    parser: argparse.ArgumentParser, choices: Sequence[str], *, default: str | None
) -> None:
    if default is None:
        fmt_help = "default: github under GitHub Actions, else text"
    else:
        fmt_help = f"default: {default}"
    parser.add_argument("--format", choices=tuple(choices), default=default, help=fmt_help)
    parser.add_argument("--output", metavar="FILE", help=OUTPUT_HELP)


def _check_commands(sub: Subparsers) -> None:
    validate = _command(sub, "validate", "check requests; exit 1 when any is invalid")
    validate.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="only check and report these files or folders of the repository",
    )
    _report_options(validate, (*FORMATS, "junit"), default=None)
    validate.add_argument("--base", metavar="REF", help=BASE_HELP)

    render = _command(sub, "render", "write environments/ and CODEOWNERS from the requests")
    render.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the committed output is stale",
    )
    _report_options(render, FORMATS, default=None)
    render.add_argument(
        "--base",
        metavar="REF",
        help="render (or, with --check, compare) only what the change since Git revision REF"
        " can affect (the pull-request check; sound when REF passed the full check)",
    )

    schema = _command(sub, "schema", "write schemas/*.schema.json from the request models")
    schema.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when the schemas are stale"
    )


def _verify_command(sub: Subparsers) -> None:
    verify = _command(
        sub, "verify", "build environments/ as Argo CD would (kubectl, helm) and check every object"
    )
    verify.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME",
        help="only this environment (repeatable)",
    )
    scoped = verify.add_mutually_exclusive_group()
    scoped.add_argument(
        "--base",
        "--changed-from",
        dest="base",
        metavar="REF",
        help="pull-request mode: follow only the Applications a change since Git revision REF"
        " can affect (the base must have passed the full verify)",
    )
    scoped.add_argument(
        "--all", action="store_true", help="follow every Application (the default without --base)"
    )
    verify.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="kubectl and helm runs at once (default: one per available core)",
    )
    verify.add_argument(
        "--cache",
        metavar="DIR",
        help="reuse the verdicts of builds whose every input is unchanged, recorded in DIR"
        " (e.g. .berth/verify-cache)",
    )
    _report_options(verify, FORMATS, default=None)


def _plan_command(sub: Subparsers) -> None:
    plan = _command(sub, "plan", "what the working tree changes against --base, and its cost")
    plan.add_argument("--base", required=True, metavar="REF", help="Git revision to compare with")
    plan.add_argument(
        "--all",
        action="store_true",
        help="render every tenant, not only those the change can affect",
    )
    _report_options(plan, ("text", "json", "markdown"), default="text")
    plan.add_argument(
        "--fail-on-delete",
        action="store_true",
        help="exit 1 when namespaces or applications are deleted in a sync: manual environment,"
        " unless the pull request has the label berth/approve-deletion",
    )
    plan.add_argument(
        "--fail-on-skip",
        action="store_true",
        help="exit 1 when an image goes into an environment without running in the one before"
        " it, unless the pull request has the label berth/approve-skip",
    )
    plan.add_argument(
        "--require-approvals",
        action="store_true",
        help="exit 1 unless every existing tenant whose generated files change is approved by"
        " one of its owners in the pull request's reviews (read from the Git host)",
    )


def _release_commands(sub: Subparsers) -> None:
    bump = _command(
        sub, "bump", "release an image of one app in one environment, as a pull request"
    )
    bump.add_argument("target", nargs="?", metavar="TENANT/APP")
    bump.add_argument("--env", metavar="ENV", help="the environment to release in")
    bump.add_argument("--tag", metavar="TAG", help='the image tag, such as "1.5.0"')
    bump.add_argument(
        "--digest", metavar="sha256:...", help="the image digest (with --tag: both are pinned)"
    )
    bump.add_argument("--version", metavar="VERSION", help="a chart app's chart version")
    source = bump.add_mutually_exclusive_group()
    source.add_argument(
        "--event",
        metavar="FILE",
        help="take the bump from a repository_dispatch (type berth-bump) or workflow_dispatch"
        " payload instead of the arguments",
    )
    source.add_argument(
        "--from-variables",
        action="store_true",
        help="take it from BERTH_TENANT, BERTH_APP, BERTH_ENVIRONMENT, BERTH_TAG, BERTH_DIGEST,"
        " BERTH_VERSION",
    )
    _proposal_options(bump)

    promote = _command(
        sub, "promote", "copy what runs in one environment into the next, as a pull request"
    )
    promote.add_argument("target", metavar="TENANT[/APP]")
    promote.add_argument("--from", dest="source", required=True, metavar="ENV")
    promote.add_argument("--to", dest="dest", required=True, metavar="ENV")
    promote.add_argument(
        "--with-config",
        action="store_true",
        help="also copy the environment's replicas (see docs/releases.md)",
    )
    promote.add_argument(
        "--skip-environments",
        action="store_true",
        help="allow --to beyond the next environment; the pull request then needs the label"
        " berth/approve-skip",
    )
    _proposal_options(promote)

    status = _command(
        sub, "status", "the image each app is set to run in each environment (Git's desired state)"
    )
    status.add_argument("tenant", nargs="?", metavar="TENANT")
    _report_options(status, ("text", "json", "markdown"), default="text")
    status.add_argument(
        "--live",
        metavar="FILE",
        help="an exported `argocd app list -o json`: show each Application's live sync and"
        " health next to what Git says",
    )


def _proposal_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--into",
        metavar="BRANCH",
        help="the branch the pull request goes to (default: $BERTH_BASE_BRANCH,"
        " $CI_DEFAULT_BRANCH, $GITHUB_REF_NAME, else main)",
    )


def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's name and parser, in the order `berth --help` lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def synopsis(parser: argparse.ArgumentParser) -> dict[str, str]:
    """One line per command, `berth NAME ARGS...`, from its parser: required options bare,
    the rest in brackets, choices joined by `|`, exclusive options as `[A | B]`; the global
    options once, on the line keyed "" (`berth [--root DIR] COMMAND`)."""
    top = [
        _usage(a, bare=False)
        for a in parser._actions
        if a.option_strings and not isinstance(a, argparse._HelpAction)
    ]
    lines = {"": " ".join(["berth", *top, "COMMAND"])}
    for name, command in commands(parser).items():
        grouped = {
            id(a): group
            for group in command._mutually_exclusive_groups
            for a in group._group_actions
        }
        positional, options, done = [], [], set()
        for action in command._actions:
            if isinstance(action, argparse._HelpAction) or action.dest == "root":
                continue
            if not action.option_strings:
                positional.append(_usage(action, bare=False))
                continue
            group = grouped.get(id(action))
            if group is None:
                options.append(_usage(action, bare=False))
            elif id(group) not in done:
                done.add(id(group))
                alternatives = " | ".join(_usage(a, bare=True) for a in group._group_actions)
                options.append(f"({alternatives})" if group.required else f"[{alternatives}]")
        lines[name] = " ".join([f"berth {name}", *positional, *options])
    return lines


def _usage(action: argparse.Action, *, bare: bool) -> str:
    if not action.option_strings:  # a positional argument
        metavar = str(action.metavar or action.dest)
        if action.nargs == "*":
            return f"[{metavar}...]"
        return f"[{metavar}]" if action.nargs == "?" else metavar
    flag = action.option_strings[0]
    if action.nargs == 0:
        text = flag
    elif action.choices is not None:
        text = f"{flag} {'|'.join(str(c) for c in action.choices)}"
    else:
        text = f"{flag} {action.metavar or action.dest.upper()}"
    return text if bare or action.required else f"[{text}]"
