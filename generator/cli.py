"""The `berth` command: the repository it works on, dispatch to the commands, and the one
place that turns failures into exit codes. The grammar is generator/commands/parser.py.

The repository is `--root DIR`, else the nearest folder from the current one upwards that
holds platform.yaml, as git finds `.git`.

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

from generator.commands.parser import build_parser
from generator.hosts import ci
from generator.problems import BerthError, HostError, UsageError
from generator.problems.reporters import Format, format_problems
from generator.repo import layout
from generator.repo.today import TODAY_VARIABLE, fix_today

if TYPE_CHECKING:  # the host clients are imported only by the commands that talk to one
    from generator.hosts.connect import Connect

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_HOST = 4


def find_root(start: str) -> str | None:
    """The nearest folder from `start` upwards that holds platform.yaml (as git finds .git)."""
    here = os.path.abspath(start)
    while not os.path.isfile(os.path.join(here, layout.PLATFORM_FILE)):
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent
    return here


def _root(args: argparse.Namespace, *, required: bool = True) -> str:
    """The repository the command works on: `--root`, else the one the current folder is in."""
    if args.root is not None:
        if required and not os.path.isfile(os.path.join(args.root, layout.PLATFORM_FILE)):
            raise UsageError(
                f"no {layout.PLATFORM_FILE} in {os.path.abspath(args.root)}; pass --root the"
                " folder that holds it"
            )
        return str(args.root)
    found = find_root(os.getcwd())
    if found is None and required:
        raise UsageError(
            f"no {layout.PLATFORM_FILE} in {os.getcwd()} or any folder above it; run berth"
            " inside a platform repository, or pass --root DIR"
        )
    return found or "."


def dispatch(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    environ: Mapping[str, str] | None = None,
    connect: Connect | None = None,
    progress: TextIO | None = None,
) -> int:
    """Run the parsed command; `progress` is the stream for progress lines (None: quiet)."""
    environ = os.environ if environ is None else environ
    fix_today(environ.get(TODAY_VARIABLE))  # the day scenarios' dates are judged by
    hosts = {} if connect is None else {"connect": connect}
    fmt = cast(Format, getattr(args, "format", None) or ci.default_format(environ))
    log = ci.default_format(environ)  # what stdout gets beside an --output FILE
    if args.command == "validate":
        from generator.commands import validate

        root = _root(args)
        paths = validate.selected_paths(root, args.paths)
        return validate.run(root, paths, fmt, out, args.base, err, output=args.output, log=log)
    if args.command == "render":
        from generator.commands import render

        return render.run(
            _root(args), check=args.check, fmt=fmt, out=out, err=err, base=args.base,
            output=args.output, log=log,
        )  # fmt: skip
    if args.command == "schema":
        from generator.commands import schema

        return schema.run(_root(args, required=False), check=args.check, out=out)
    if args.command == "verify":
        from generator.commands import verify

        return verify.run(
            _root(args), envs=args.env, fmt=fmt, output=args.output, out=out, err=err,
            base=args.base, jobs=args.jobs, cache=args.cache, environ=environ, progress=progress,
        )  # fmt: skip
    if args.command == "plan":
        from generator.commands import plan

        return plan.run(
            _root(args), base=args.base, fmt=args.format, output=args.output,
            fail_on_delete=args.fail_on_delete, fail_on_skip=args.fail_on_skip,
            require_approvals=args.require_approvals, scoped=not args.all, environ=environ,
            connect=connect, out=out, err=err,
        )  # fmt: skip
    if args.command == "cost":
        from generator.commands import cost

        return cost.run(_root(args), fmt=args.format, output=args.output, out=out, err=err)
    if args.command == "comment":
        from generator.commands import comment

        return comment.run(
            args.file, marker=args.marker, environ=environ, out=out, err=err, **hosts
        )
    if args.command == "intake":
        from generator.commands import intake

        return intake.run(
            _root(args), event_path=args.event, environ=environ, out=out, err=err, **hosts
        )
    if args.command in ("bump", "promote", "status"):
        return _release(args, _root(args), out, err, environ, hosts)
    if args.command == "expire":
        from generator.commands import expire

        return expire.run(
            _root(args), today_text=args.today, into=args.into, environ=environ, out=out, **hosts
        )
    if args.command in ("init", "upgrade"):
        return _scaffold(args, out, err)
    raise UsageError(f"unknown command {args.command!r}")


def _release(
    args: argparse.Namespace,
    root: str,
    out: TextIO,
    err: TextIO,
    environ: Mapping[str, str],
    hosts: dict[str, Connect],
) -> int:
    if args.command == "bump":
        from generator.commands import bump

        request = bump.request_from(args, environ)
        return bump.run(
            root, target=request.target, env_name=request.env, tag=request.tag,
            digest=request.digest, version=request.version, into=args.into, environ=environ, out=out, err=err, **hosts,
        )  # fmt: skip
    if args.command == "promote":
        from generator.commands import promote

        return promote.run(
            root, target=args.target, source=args.source, dest=args.dest,
            with_config=args.with_config, skip=args.skip_environments, into=args.into,
            environ=environ, out=out, err=err, **hosts,
        )  # fmt: skip
    from generator.commands import status

    return status.run(
        root, tenant=args.tenant, fmt=args.format, output=args.output, out=out, live=args.live
    )


def _scaffold(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.command == "init":  # makes a repository, so it looks for none
        from generator.commands import init

        return init.run(
            args.directory, name=args.name, domain=args.domain, registries=args.registry,
            maintainers=args.maintainer, host=args.host, repo_url=args.repo_url,
            stdin=sys.stdin, out=out, err=err,
        )  # fmt: skip
    from generator.commands import upgrade

    return upgrade.run(_root(args), out=out, err=err)


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    connect: Connect | None = None,
    progress: TextIO | None = None,
) -> int:
    """`berth ARGV`: the exit code. `environ` (default: the process environment) is everything
    Berth reads about the job; `connect` makes the Git host (default: from `environ`), for tests
    that bring their own. Progress lines go to `progress`; by default to stderr when it is a
    terminal or `CI` is set, and nowhere when the caller brings its own `err`."""
    if progress is None and err is None:
        shown = sys.stderr.isatty() or bool((os.environ if environ is None else environ).get("CI"))
        progress = sys.stderr if shown else None
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed its usage message
        return EXIT_USAGE if exc.code not in (0, None) else 0
    try:
        return dispatch(args, out, err, environ, connect, progress)
    except BerthError as exc:
        err.write(format_problems(exc.problems, "text"))
        return EXIT_INVALID
    except UsageError as exc:
        err.write(_error_line(exc))
        return EXIT_USAGE
    except HostError as exc:
        err.write(_error_line(exc))
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


def _error_line(exc: Exception) -> str:
    # A message that already names berth (a host's, a hook's) is not prefixed twice.
    return f"berth: error: {str(exc).removeprefix('berth: ').removeprefix('error: ')}\n"


if __name__ == "__main__":
    sys.exit(main())
