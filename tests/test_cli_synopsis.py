"""The command synopsis in the README and in docs/commands.md is the argument parser's: a
flag in one and not the other, a command missing or listed twice, fails here."""

from __future__ import annotations

import re

import pytest

from generator.commands.parser import build_parser, synopsis
from tests.support.tools import REPO

BLOCK = re.compile(r"^```\n(berth .*?)^```\n", re.M | re.S)


def listed(text: str) -> list[tuple[str, str]]:
    """(command, synopsis) of each `berth ...` line of the first code block that starts with
    one, a trailing `# comment` left out; the command "" for `berth [--root DIR] COMMAND`."""
    found = BLOCK.search(text)
    assert found, "no code block of berth commands"
    lines = []
    for line in found.group(1).splitlines():
        if not line.startswith("berth "):
            continue
        usage = line.split("  #", 1)[0].strip()
        word = usage.split()[1]
        lines.append(("" if word.startswith(("[", "-")) or word == "COMMAND" else word, usage))
    return lines


def mismatches(lines: list[tuple[str, str]], wanted: dict[str, str]) -> list[str]:
    found = []
    names = [name for name, _ in lines]
    found += [f"listed twice: berth {n}" for n in sorted({n for n in names if names.count(n) > 1})]
    found += [f"missing: {wanted[n]}" for n in wanted if n not in names]
    for name, usage in lines:
        if name not in wanted:
            found.append(f"no such command: {usage}")
        elif usage != wanted[name]:
            found.append(f"differs from the parser:\n  listed: {usage}\n  parser: {wanted[name]}")
    return found


@pytest.mark.parametrize("page", ["README.md", "docs/commands.md"])
def test_the_synopsis_is_the_parsers(page: str) -> None:
    problems = mismatches(listed((REPO / page).read_text()), synopsis(build_parser()))
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_a_flag_listed_but_not_parsed_a_missing_command_and_a_twin_are_caught() -> None:
    wanted = synopsis(build_parser())

    def block(lines: list[str]) -> str:
        return "```\n" + "\n".join(lines) + "\n```\n"

    assert mismatches(listed(block(list(wanted.values()))), wanted) == []
    lines = [
        "berth schema [--check] [--force]" if line == wanted["schema"] else line
        for name, line in wanted.items()
        if name != "cost"
    ]
    assert mismatches(listed(block([*lines, wanted["plan"] + "  # again"])), wanted) == [
        "listed twice: berth plan",
        f"missing: {wanted['cost']}",
        "differs from the parser:\n  listed: berth schema [--check] [--force]\n"
        "  parser: berth schema [--check]",
    ]


def test_every_command_has_its_own_help() -> None:
    # `render --base` once had validate's help; each command's help names what it does.
    parser = build_parser()
    helps = [
        action.help
        for name in synopsis(parser)
        if name
        for action in parser._subparsers._group_actions[0].choices[name]._actions  # type: ignore[union-attr]
        if action.option_strings == ["--base"]
    ]
    assert len(helps) == len(set(helps))
