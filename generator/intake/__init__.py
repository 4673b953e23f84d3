"""Issue forms in, request mappings out: the one import for callers of the intake parser.

The pieces, in pipeline order: `generator/models/forms.py` defines the forms (every front
door is generated from it), `body.py` splits an issue body into the form's fields, `drafts.py`
builds the request. See `body.py` for what a body looks like and why nothing here can raise.
"""

from __future__ import annotations

from generator.intake.body import (
    MAX_BODY_BYTES,
    NO_RESPONSE,
    FieldValue,
    FormError,
    ParsedForm,
    parse_issue_body,
    select_form,
)
from generator.intake.drafts import (
    API_VERSION,
    RequestDraft,
    build_application_request,
    build_scenario_request,
    build_tenant_request,
    request_from_issue,
)
from generator.models.forms import (
    APP_FORM,
    FORMS,
    SCENARIO_FORM,
    TENANT_FORM,
    FieldKind,
    FormField,
    FormKind,
    IssueForm,
)

__all__ = [
    "API_VERSION",
    "APP_FORM",
    "FORMS",
    "MAX_BODY_BYTES",
    "NO_RESPONSE",
    "SCENARIO_FORM",
    "TENANT_FORM",
    "FieldKind",
    "FieldValue",
    "FormError",
    "FormField",
    "FormKind",
    "IssueForm",
    "ParsedForm",
    "RequestDraft",
    "build_application_request",
    "build_scenario_request",
    "build_tenant_request",
    "parse_issue_body",
    "request_from_issue",
    "select_form",
]
