"""Intake reads what reviewers see: HTML comments are hidden the way GitHub's renderer hides them.

The oracle is cmarkgfm, the Python binding of GitHub's own cmark-gfm: a body is rendered,
its HTML comments dropped (GitHub's sanitizer removes them and keeps all other text) and its
tags stripped, which leaves the text a reviewer reads. Every value intake takes from a body
must be in that text.
"""

from __future__ import annotations

import html
import re

import cmarkgfm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.intake import APP_FORM
from generator.intake.body import parse_issue_body
from generator.intake.drafts import build_application_request
from tests.test_intake_forms import APP_ANSWERS, DOMAINS, render_github_body

ZERO_WIDTH_SPACE = "\u200b"


def visible(body: str) -> str:
    """The text of `body` as GitHub shows it."""
    rendered = cmarkgfm.github_flavored_markdown_to_html(
        body, options=cmarkgfm.Options.CMARK_OPT_UNSAFE
    )
    # A browser ends an unclosed comment with the document.
    without_comments = re.sub(r"<!--.*?(?:-->|\Z)", " ", rendered, flags=re.S)
    return html.unescape(re.sub(r"<[^>]*>", " ", without_comments))


def app_body(image: str) -> str:
    return render_github_body("app-request", {**APP_ANSWERS, "image": image})


def test_a_decoy_form_above_an_unclosed_comment_is_refused() -> None:
    # Reviewers see a form asking for payments-api: its headings carry a zero-width space, so
    # they read like the form's but are none of its. Below an unclosed `<!--`, hidden from
    # them, the real form asks for another image.
    decoy = re.sub(
        r"^(### .*)$", rf"\1{ZERO_WIDTH_SPACE}", app_body("ghcr.io/acme/payments-api"), flags=re.M
    )
    body = f"{decoy}\n\n<!--\n\n{app_body('ghcr.io/acme/untested-fork')}\n"
    shown = visible(body)
    assert "ghcr.io/acme/payments-api" in shown and "untested-fork" not in shown

    draft = build_application_request(parse_issue_body(body, APP_FORM), domains=DOMAINS)

    assert draft.document is None
    [error] = draft.errors
    line = body.split("\n").index("<!--") + 1
    assert str(error) == (
        f"Issue body: the issue body has an HTML comment ('<!--') on line {line} that is never"
        " closed: the rendered issue hides what follows it, so reviewers would not see what"
        " Berth reads; close it with '-->' or remove it"
    )


@pytest.mark.parametrize(
    "opening",
    [
        "<!--",  # an HTML block that runs to the end of the document
        "   <!-- a hint",
        "- <!--",  # in a list item
        "> <!--",  # in a quote
        "<!-- closed --> and <!-- not",  # raw HTML after a comment block: a browser hides the rest
        "<div> <!--",  # raw HTML
        "8080 <!--",  # shown as text: refused all the same, nothing honest needs it
    ],
)
def test_every_unclosed_comment_is_refused(opening: str) -> None:
    body = app_body("ghcr.io/acme/payments-api").replace("\n8080\n", f"\n8080\n\n{opening}\n")
    parsed = parse_issue_body(body, APP_FORM)
    assert [e.field for e in parsed.errors] == ["body"]
    assert all(value is None for value in parsed.values.values())


def test_closed_comments_are_dropped_wherever_they_are() -> None:
    body = app_body("ghcr.io/acme/payments-api").replace(
        "\n8080\n", "\n<!-- a hint\n### Image\n\nghcr.io/acme/untested-fork\n-->8080\n", 1
    )
    assert "untested-fork" not in visible(body)
    parsed = parse_issue_body(body, APP_FORM)
    assert parsed.ok, parsed.errors
    assert (parsed.values["image"], parsed.values["port"]) == ("ghcr.io/acme/payments-api", "8080")


# --- the property: nothing read is hidden ----------------------------------------------------

HEADINGS = [f"### {f.label}" for f in APP_FORM.fields]
PIECES = st.one_of(
    st.sampled_from(HEADINGS),
    st.sampled_from(["", "<!--", "-->", "<!-- hint -->", "- <!--", "> <!--", "   <!--", "```"]),
    st.sampled_from(["text <!--", "--> text", "- [x] dev", "    <!--", "\t<!--"]),
    st.integers(0, 999).map(lambda n: f"v{n:03d}x"),
)


@settings(max_examples=400, deadline=None, database=None)
@given(st.lists(PIECES, max_size=30))
def test_every_value_intake_reads_is_visible(lines: list[str]) -> None:
    body = "\n".join(lines)
    shown = set(re.findall(r"v\d{3}x", visible(body)))
    parsed = parse_issue_body(body, APP_FORM)
    for value in parsed.values.values():
        for text in value if isinstance(value, tuple) else [value or ""]:
            read = set(re.findall(r"v\d{3}x", text))
            assert read <= shown, (body, text)
