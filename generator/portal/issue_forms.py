"""The GitHub issue forms and GitLab issue templates, generated from `models/forms.py`.

Both write the headings the intake parser matches (`### <label>`), so an issue made from either
parses with the same code; options and the limits in the help texts come from platform.yaml,
blueprints/ and the request models (`fieldschema.py`), so adding an environment or a size
updates every form and `render --check` fails until it is rendered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.load.blueprints import Blueprint
from generator.models.forms import FORMS, FormField, IssueForm
from generator.models.platform import Platform
from generator.portal.fieldschema import help_context, help_text, placeholder, with_options
from generator.repo import layout
from generator.yamlio.writer import dump

SOURCES = (layout.PLATFORM_FILE, "blueprints/*/blueprint.yaml", "generator/models/forms.py")
_FILES = {
    "tenant": "tenants/<tenant>/tenant.yaml",
    "app": "tenants/<tenant>/apps/<app>.yaml",
    "scenario": "tenants/<tenant>/scenarios/<scenario>.yaml",
}


def _header(comment: str) -> str:
    return comment.format(
        f"{layout.GENERATED_MARK} from {' and '.join(SOURCES)}. Do not edit: change those and"
        " run `berth render`."
    )


def github_form(form: IssueForm, platform: Platform, blueprints: Mapping[str, Blueprint]) -> str:
    form = with_options(form, platform, blueprints)
    context = help_context(platform, blueprints)
    body: list[dict[str, Any]] = [
        {
            "type": "markdown",
            "attributes": {
                "value": f"Submitting this form opens a pull request that {form.intro}.\n"
                "The pull request is validated like any other change; you will get a comment"
                " here with its link, or with the problems to fix (edit this issue to fix"
                " them).\n"
            },
        }
    ]
    body.extend(
        _github_field(form, f, help_text(form.kind, f, context), placeholder(f, context))
        for f in form.fields
    )
    document = {
        "name": form.name,
        "description": form.description,
        "title": f"{form.name}: ",
        "labels": [form.label],
        "body": body,
    }
    note = (
        "# The berth-intake workflow turns an issue made from this form into a pull request"
        f" that adds\n# {_FILES[form.kind]}. The labels are the headings the parser matches.\n"
    )
    return _header("# {}\n") + note + dump(document)


def _github_field(form: IssueForm, f: FormField, help: str, example: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {"label": f.label, "description": help}
    if f.kind == "checkboxes":
        attributes["options"] = [{"label": option} for option in f.options]
        return {"type": f.kind, "id": f.id, "attributes": attributes}
    if f.kind == "dropdown":
        attributes["options"] = list(f.options)
    if example:
        attributes["placeholder"] = example
    if f.default:
        attributes["value"] = f.default
    return {
        "type": f.kind,
        "id": f.id,
        "attributes": attributes,
        "validations": {"required": f.required},
    }


def gitlab_template(
    form: IssueForm, platform: Platform, blueprints: Mapping[str, Blueprint]
) -> str:
    form = with_options(form, platform, blueprints)
    context = help_context(platform, blueprints)
    out = [
        _header("<!-- {} -->\n"),
        f"<!--\n{form.name}. Fill in the value under each heading and keep the headings exactly"
        " as they are:\nthe intake pipeline reads them (the same parser as the GitHub issue"
        " form). Text inside these\ncomment markers is ignored. Creating the issue opens a merge"
        f" request that adds\n{_FILES[form.kind]}; you get a comment with its link or with the"
        " problems to fix\n(edit the issue to fix them).\n-->\n\n",
        f'/label ~"{form.label}"\n',
    ]
    for f in form.fields:
        hint = help_text(form.kind, f, context)
        if f.options and f.kind == "dropdown":
            hint += f" One of: {', '.join(f.options)}."
        if f.placeholder:
            hint += f" e.g. {placeholder(f, context)}"
        out.append(f"\n### {f.label}\n\n<!-- {_comment_safe(hint.strip())} -->\n")
        if f.kind == "checkboxes":
            out.extend(f"- [ ] {option}\n" for option in f.options)
        elif f.default:
            out.append(f"{f.default}\n")
    return "".join(out)


def _comment_safe(text: str) -> str:
    # Inside an HTML comment `-->` would end it early: the rest would become the field's value.
    return text.replace("-->", "- ->")


def form_files(platform: Platform, blueprints: Mapping[str, Blueprint]) -> dict[str, str]:
    files: dict[str, str] = {}
    for form in FORMS:
        if form.kind == "scenario" and platform.spec.scenarios is None:
            continue  # a platform that allows no scenarios offers no form for one
        files[layout.github_form_file(form.label)] = github_form(form, platform, blueprints)
        files[layout.gitlab_template_file(form.label)] = gitlab_template(form, platform, blueprints)
    return files
