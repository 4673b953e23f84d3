"""The `berth` command: argument parsing and the one place that turns failures into exit codes.

Exit codes: 0 fine, 1 invalid input, stale output or a failed check, 2 usage error, 3 a bug
in Berth, 4 the Git host refused a request or could not be reached. Commands raise; `main`
is the one place that maps an error to its code, and the only one that prints tracebacks
(when BERTH_DEBUG is set). It is also the only reader of the process environment: commands
get it as a mapping.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, TextIO, cast

from generator.hosts import ci
from generator.problems import BerthError, HostError, UsageError
from generator.problems.reporters import FORMATS, Format, format_problems
from generator.repo import layout
from generator.scaffold.version import version

if TYPE_CHECKING:  # the host clients are imported only by the commands that talk to one
    from generator.hosts.connect import Connect

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_HOST = 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="berth", description="Tenant requests in, a guarded Argo CD tree out."
    )
    parser.add_argument(
        "--root", default=".", help="repository root (default: the current directory)"
    )
    parser.add_argument("--version", action="version", version=f"berth {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check requests; exit 1 when any is invalid")
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="only report problems in these files or folders"
    )
    validate.add_argument(
        "--format",
        choices=(*FORMATS, "junit"),
        default=None,
        help="default: github under GitHub Actions, else text; junit for CI test reports",
    )
    validate.add_argument("--output", metavar="FILE", help="write the report to FILE instead")
    validate.add_argument(
        "--base",
        metavar="REF",
        help="check only what the change since Git revision REF can affect (the PR check;"
        " sound when REF passed the full check)",
    )

    render = sub.add_parser("render", help="write environments/ and CODEOWNERS from the requests")
    render.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the committed output is stale",
    )
    render.add_argument("--format", choices=FORMATS, default=None)
    render.add_argument(
        "--base",
        metavar="REF",
        help="check only what the change since Git revision REF can affect (the PR check;"
        " sound when REF passed the full check)",
    )

    schema = sub.add_parser("schema", help="write schemas/*.schema.json from the request models")
    schema.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when the schemas are stale"
    )

    verify = sub.add_parser(
        "verify", help="build environments/ as Argo CD would (kubectl, helm) and check every object"
    )
    verify.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME",
        help="only this environment (repeatable)",
    )
    verify.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="default: github under GitHub Actions, else text; markdown for a PR comment",
    )
    verify.add_argument(
        "--output", metavar="FILE", help="write the report to FILE; stdout gets the text report"
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

    plan = sub.add_parser("plan", help="what the working tree changes against --base, and its cost")
    plan.add_argument("--base", required=True, metavar="REF", help="Git revision to compare with")
    plan.add_argument(
        "--all",
        action="store_true",
        help="render every tenant, not only those the change can affect",
    )
    plan.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    plan.add_argument(
        "--output", metavar="FILE", help="write the plan here; the full text plan goes to stdout"
    )
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

    cost = sub.add_parser("cost", help="monthly cost per tenant, environment and cost center")
    cost.add_argument("--format", choices=("text", "json", "markdown", "csv"), default="text")

    comment = sub.add_parser("comment", help="post or update the sticky comment on this PR/MR")
    comment.add_argument("--file", required=True, metavar="FILE", help="the comment's Markdown")
    comment.add_argument("--marker", default="berth:plan", help="default: berth:plan")

    intake = sub.add_parser("intake", help="turn a request issue into a pull request")
    intake.add_argument(
        "--event", metavar="FILE", help="issue event payload (default: $GITHUB_EVENT_PATH)"
    )
    _release_commands(sub)
    _scaffold_commands(sub)
    return parser


def _scaffold_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init", help="make a new platform repository in an empty folder (docs/upgrading.md)"
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
    sub.add_parser(
        "upgrade",
        help="move this repository to the installed berth: its files rewritten, blueprints/"
        " merged, re-rendered",
    )


def _release_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bump = sub.add_parser(
        "bump", help="release an image of one app in one environment, as a pull request"
    )
    bump.add_argument("target", nargs="?", metavar="TENANT/APP")
    bump.add_argument("--env", metavar="ENV", help="the environment to release in")
    bump.add_argument("--tag", metavar="TAG", help='the image tag, such as "1.5.0"')
    bump.add_argument("--digest", metavar="sha256:...", help="the image digest")
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
        help="take it from BERTH_TENANT, BERTH_APP, BERTH_ENVIRONMENT, BERTH_TAG, BERTH_DIGEST",
    )
    _proposal_options(bump)

    promote = sub.add_parser(
        "promote", help="copy what runs in one environment into the next, as a pull request"
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

    status = sub.add_parser("status", help="the image each app runs in each environment")
    status.add_argument("tenant", nargs="?", metavar="TENANT")
    status.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def _proposal_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--into",
        metavar="BRANCH",
        help="the branch the pull request goes to (default: $BERTH_BASE_BRANCH,"
        " $CI_DEFAULT_BRANCH, $GITHUB_REF_NAME, else main)",
    )


def _require_repo(root: str) -> None:
    if not os.path.isfile(os.path.join(root, layout.PLATFORM_FILE)):
        raise UsageError(
            f"no {layout.PLATFORM_FILE} in {os.path.abspath(root)}; run berth at the repository root or pass --root"
        )


def dispatch(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    environ: Mapping[str, str] | None = None,
    connect: Connect | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    hosts = {} if connect is None else {"connect": connect}
    fmt = cast(Format, getattr(args, "format", None) or ci.default_format(environ))
    if args.command == "validate":
        from generator.commands import validate

        _require_repo(args.root)
        if args.output:
            with open(args.output, "w", encoding="utf-8") as report:
                return validate.run(args.root, args.paths, fmt, report, args.base, err)
        return validate.run(args.root, args.paths, fmt, out, args.base, err)
    if args.command == "render":
        from generator.commands import render

        _require_repo(args.root)
        return render.run(args.root, check=args.check, fmt=fmt, out=out, err=err, base=args.base)
    if args.command == "schema":
        from generator.commands import schema

        return schema.run(args.root, check=args.check, out=out)
    if args.command == "verify":
        from generator.commands import verify

        _require_repo(args.root)
        return verify.run(
            args.root,
            envs=args.env,
            fmt=fmt,
            output=args.output,
            out=out,
            err=err,
            base=args.base,
            jobs=args.jobs,
            cache=args.cache,
            environ=environ,
        )
    if args.command == "plan":
        from generator.commands import plan

        _require_repo(args.root)
        return plan.run(
            args.root,
            base=args.base,
            fmt=args.format,
            output=args.output,
            fail_on_delete=args.fail_on_delete,
            fail_on_skip=args.fail_on_skip,
            require_approvals=args.require_approvals,
            scoped=not args.all,
            environ=environ,
            connect=connect,
            out=out,
            err=err,
        )
    if args.command == "cost":
        from generator.commands import cost

        _require_repo(args.root)
        return cost.run(args.root, fmt=args.format, out=out, err=err)
    if args.command == "comment":
        from generator.commands import comment

        return comment.run(
            args.file, marker=args.marker, environ=environ, out=out, err=err, **hosts
        )
    if args.command == "intake":
        from generator.commands import intake

        _require_repo(args.root)
        return intake.run(
            args.root, event_path=args.event, environ=environ, out=out, err=err, **hosts
        )
    if args.command in ("init", "upgrade"):
        return _scaffold(args, out, err)
    if args.command in ("bump", "promote", "status"):
        _require_repo(args.root)
        return _release(args, out, err, environ, hosts)
    raise UsageError(f"unknown command {args.command!r}")


def _release(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    environ: Mapping[str, str],
    hosts: dict[str, Connect],
) -> int:
    if args.command == "bump":
        from generator.commands import bump

        request = bump.request_from(args, environ)
        return bump.run(
            args.root,
            target=request.target,
            env_name=request.env,
            tag=request.tag,
            digest=request.digest,
            into=args.into,
            environ=environ,
            out=out,
            err=err,
            **hosts,
        )
    if args.command == "promote":
        from generator.commands import promote

        return promote.run(
            args.root,
            target=args.target,
            source=args.source,
            dest=args.dest,
            with_config=args.with_config,
            skip=args.skip_environments,
            into=args.into,
            environ=environ,
            out=out,
            err=err,
            **hosts,
        )
    from generator.commands import status

    return status.run(args.root, tenant=args.tenant, fmt=args.format, out=out)


def _scaffold(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "init":
        from generator.commands import init

        return init.run(
            args.directory,
            name=args.name,
            domain=args.domain,
            registries=args.registry,
            maintainers=args.maintainer,
            host=args.host,
            repo_url=args.repo_url,
            stdin=sys.stdin,
            out=out,
            err=err,
        )
    from generator.commands import upgrade

    _require_repo(args.root)
    return upgrade.run(args.root, out=out, err=err)


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    connect: Connect | None = None,
) -> int:
    """`berth ARGV`: the exit code. `environ` (default: the process environment) is everything
    Berth reads about the job; `connect` makes the Git host (default: from `environ`), for tests
    that bring their own."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage message
        return EXIT_USAGE if exc.code not in (0, None) else 0
    try:
        return dispatch(args, out, err, environ, connect)
    except BerthError as exc:
        err.write(format_problems(exc.problems, "text"))
        return EXIT_INVALID
    except UsageError as exc:
        err.write(f"berth: error: {exc}\n")
        return EXIT_USAGE
    except HostError as exc:
        err.write(f"berth: error: {exc}\n")
        return EXIT_HOST
    except KeyboardInterrupt:
        err.write("berth: interrupted\n")
        return 130
    except Exception as exc:  # a bug in Berth, not in the user's input
        if os.environ.get("BERTH_DEBUG"):
            traceback.print_exc(file=err)
        err.write(
            f"berth: internal error: {type(exc).__name__}: {exc}\n"
            "berth: this is a bug in berth or in a platform file it reads (blueprints/), not in"
            " your request; report it to the owners of generator/ (CODEOWNERS) with the output"
            " of the same command run with BERTH_DEBUG=1\n"
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
