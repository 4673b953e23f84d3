"""Issue forms as data: the body GitHub renders from an issue form, parsed into a request.

An issue created from `.github/ISSUE_TEMPLATE/tenant-request.yml` (or from the GitLab template
of the same name, which uses the same headings) has a body like::

    ### Tenant name

    payments

    ### Environments

    - [X] dev
    - [ ] prod

    ### Monthly budget

    _No response_

This module splits such a body into the fields of its form (`generator/models/forms.py`) and
reports what it cannot use as `FormError`s, one per field; `drafts.py` turns the values into a
request. It is pure: no I/O, nothing is evaluated (no YAML, no templates, no shell), every value
stays a plain string exactly as typed. It does not judge whether a value is *valid* (a tenant
name of `../../etc` is kept as it is): the real validator does that next, with the same messages
as the CLI. Nothing here builds a file path either; the caller does so only after validation.

The issue author controls the whole body (an issue made from a form can be edited as raw
Markdown), so every shape of text must give either values or errors, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from generator.models.forms import FORMS, FormField, IssueForm

# Far above any honest form (a full tenant form is under 1 KiB) and small enough that nothing
# downstream (validator, YAML emitter, issue comment) has to think about size.
MAX_BODY_BYTES = 64 * 1024

# What GitHub writes for an optional field left empty.
NO_RESPONSE = "_No response_"

FieldValue = str | tuple[str, ...] | None


@dataclass(frozen=True)
class FormError:
    """Something the form cannot turn into a request: `field` is a field id, or `body`/`labels`."""

    field: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label or self.field}: {self.message}"


@dataclass(frozen=True)
class ParsedForm:
    """The values of one form, keyed by field id; a field that is absent or empty is None."""

    form: IssueForm
    values: Mapping[str, FieldValue]
    errors: tuple[FormError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


# --- selecting the form -----------------------------------------------------------------------


def select_form(labels: Iterable[object]) -> IssueForm | FormError:
    """The form an issue was made from, judged by its labels (exactly one of ours must be set)."""
    names = {label for label in labels if isinstance(label, str)}
    found = [form for form in FORMS if form.label in names]
    if len(found) == 1:
        return found[0]
    wanted = ", ".join(f"'{form.label}'" for form in FORMS)
    if not found:
        return FormError("labels", "Labels", f"the issue has none of the labels {wanted}")
    return FormError("labels", "Labels", f"the issue has more than one of the labels {wanted}")


# --- parsing the body -------------------------------------------------------------------------

_CHECKBOX = re.compile(r"[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?")


def _strip_html_comments(text: str) -> tuple[str, int | None]:
    """`text` without its `<!-- ... -->` comments, and the line of a comment never closed.

    GitLab templates carry hints in comments, and nobody sees them rendered: keeping only what
    the rendered issue shows means reviewers see everything that becomes the request. A comment
    that is never closed is not dropped but refused (the line number): where it starts a line
    (or follows a quote or list mark, or sits in other raw HTML) GitHub and GitLab hide
    everything after it, so a decoy form above it could show reviewers one request while the
    text below asks for another. A linear scan, not a regular expression, so no body can make
    this slow.
    """
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("<!--", pos)
        if start < 0:
            break
        end = text.find("-->", start + 4)
        if end < 0:
            return "", text.count("\n", 0, start) + 1
        out.append(text[pos:start])
        pos = end + 3
    out.append(text[pos:])
    return "".join(out), None


def _heading(line: str) -> str | None:
    """The text of a `### heading` line, casefolded for matching; None for any other line."""
    if not line.startswith("###") or line.startswith("####"):
        return None
    rest = line[3:]
    if not rest[:1].isspace():
        return None
    return rest.strip().casefold()


def parse_issue_body(body: object, form: IssueForm) -> ParsedForm:
    """Split an issue body into the form's fields; never raises.

    Only `### <label>` lines whose label is one of the form's start a field, so a description may
    contain other headings. A field's heading appearing twice is an error rather than a guess
    about which one counts. Text before the first known heading is ignored.
    """
    empty: dict[str, FieldValue] = {f.id: None for f in form.fields}
    if body is None:  # GitHub sends null for an empty body
        body = ""
    if not isinstance(body, str):
        return ParsedForm(form, MappingProxyType(empty), (_body_error("is not text"),))
    # len() first: a string of more than MAX_BODY_BYTES characters is at least that many bytes.
    if len(body) > MAX_BODY_BYTES or _utf8_size(body) > MAX_BODY_BYTES:
        return ParsedForm(
            form,
            MappingProxyType(empty),
            (
                _body_error(
                    f"is larger than {MAX_BODY_BYTES // 1024} KiB; a request form is far smaller"
                ),
            ),
        )

    text, unclosed = _strip_html_comments(body.replace("\r\n", "\n").replace("\r", "\n"))
    if unclosed is not None:
        message = (
            f"has an HTML comment ('<!--') on line {unclosed} that is never closed: the"
            " rendered issue hides what follows it, so reviewers would not see what Berth reads;"
            " close it with '-->' or remove it"
        )
        return ParsedForm(form, MappingProxyType(empty), (_body_error(message),))
    by_label = {f.label.casefold(): f for f in form.fields}
    sections: dict[str, list[str]] = {}
    errors: list[FormError] = []
    current: list[str] | None = None
    for line in text.split("\n"):
        heading = _heading(line)
        found = by_label.get(heading) if heading is not None else None
        if found is None:
            if current is not None:
                current.append(line)
            continue
        if found.id in sections:
            errors.append(
                field_error(found, f"the heading '### {found.label}' appears more than once")
            )
            current = None  # what follows the repeated heading belongs to no field
            continue
        current = sections[found.id] = []

    values = dict(empty)
    failed = {e.field for e in errors}
    for f in form.fields:
        if f.id in failed:
            continue
        lines = sections.get(f.id)
        if lines is None:
            if f.required:
                errors.append(field_error(f, f"the heading '### {f.label}' is missing"))
            continue
        raw = "\n".join(lines).strip()
        value, error = _field_value(f, raw)
        if error is not None:
            errors.append(field_error(f, error))
            continue
        if f.required and not value:
            what = "tick at least one option" if f.kind == "checkboxes" else "it is required"
            errors.append(field_error(f, f"no response: {what}"))
            continue
        values[f.id] = value
    return ParsedForm(form, MappingProxyType(values), tuple(errors))


def _utf8_size(text: str) -> int:
    # surrogatepass: a lone surrogate (possible in JSON-decoded text) is counted, not raised on.
    return len(text.encode("utf-8", "surrogatepass"))


def _field_value(f: FormField, raw: str) -> tuple[FieldValue, str | None]:
    if f.kind == "checkboxes":
        return _checkboxes(raw)
    if raw in ("", NO_RESPONSE):
        return None, None
    if f.kind in ("input", "dropdown") and "\n" in raw:
        return None, "must be a single line"
    return raw, None


def _checkboxes(raw: str) -> tuple[FieldValue, str | None]:
    if raw in ("", NO_RESPONSE):
        return (), None
    ticked: list[str] = []
    for number, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        match = _CHECKBOX.fullmatch(line.strip())
        if match is None:
            return None, f"line {number} is not a checkbox such as '- [x] dev'"
        option = (match.group(2) or "").strip()
        if match.group(1) == " ":
            continue
        if not option:
            return None, f"line {number} ticks a checkbox without an option"
        if option in ticked:
            return None, f"'{option}' is ticked more than once"
        ticked.append(option)
    return tuple(ticked), None


def field_error(f: FormField, message: str) -> FormError:
    return FormError(f.id, f.label, message)


def _body_error(message: str) -> FormError:
    return FormError("body", "Issue body", f"the issue body {message}")
