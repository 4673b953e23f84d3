"""The request forms, defined once: every front door is generated from these and the parser reads them.

`berth render` writes the GitHub issue forms, the GitLab issue templates and the Backstage
software templates from these definitions, filled in with what only the platform knows
(`choices`: its environments, sizes and blueprints) and with the request models' limits
(`source`: the request field a value becomes, whose JSON Schema gives type, length, pattern and
range). The intake parser (`generator/intake/body.py`) matches the same labels, so a field of a
form and the parser that reads it cannot drift apart.

Pure data: no I/O, no platform, no models (the parser must stay importable on its own).
`options` is empty here; `generator/portal/fieldschema.py` fills it from platform.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

FieldKind = Literal["input", "textarea", "dropdown", "checkboxes"]
FormKind = Literal["tenant", "app", "scenario"]
Choices = Literal["", "environments", "sizes", "blueprints", "scenarioEnvironments"]


@dataclass(frozen=True)
class FormField:
    """One field of a form: `id` is the key in parsed values, `label` its heading."""

    id: str
    label: str
    kind: FieldKind
    # For checkboxes: at least one option must be ticked (GitHub's own `required` on a
    # checkbox option means "this option must be ticked", which is not what we want).
    required: bool
    options: tuple[str, ...] = ()
    help: str = ""  # `{maxLength}`-style names are filled from the field's JSON Schema
    placeholder: str = ""
    default: str = ""
    source: str = ""  # the request field: `spec.resources.cpu`; `*` is any environment
    choices: Choices = ""  # what the options are, taken from platform.yaml / blueprints/


@dataclass(frozen=True)
class IssueForm:
    """A form: the issue label that selects it, its titles and its fields, in form order."""

    kind: FormKind
    label: str
    fields: tuple[FormField, ...]
    name: str = ""
    description: str = ""
    intro: str = ""

    def field(self, field_id: str) -> FormField:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    def with_options(self, options: dict[str, tuple[str, ...]]) -> IssueForm:
        """The form with each field's options set from `options` (choices -> values)."""
        fields = tuple(
            replace(f, options=options[f.choices]) if f.choices else f for f in self.fields
        )
        return replace(self, fields=fields)


TENANT_FORM = IssueForm(
    kind="tenant",
    label="tenant-request",
    name="Tenant request",
    description="Ask for namespaces for your team in one or more environments.",
    intro="adds your team's `tenant.yaml`",
    fields=(
        FormField(
            "tenant_name",
            "Tenant name",
            "input",
            required=True,
            help="Lowercase letters, digits and '-', at most {maxLength} characters."
            " Namespaces are called `<tenant>-<environment>`.",
            placeholder="payments",
            source="metadata.name",
        ),
        FormField(
            "description",
            "Description",
            "textarea",
            required=True,
            help="What your team runs, in a sentence (at most {maxLength} characters).",
            placeholder="Card payments and refunds",
            source="spec.description",
        ),
        FormField(
            "owners",
            "Owners",
            "input",
            required=True,
            help="Git hosting usernames or teams (org/team), separated by commas (at most"
            " {maxItems}). They become CODEOWNERS of the tenant folder and approve its changes.",
            placeholder="alice, bob",
            source="spec.owners",
        ),
        FormField(
            "group",
            "Group",
            "input",
            required=True,
            help="The identity-provider group that gets access to your namespaces.",
            placeholder="{platform}/payments",
            source="spec.group",
        ),
        FormField(
            "cost_center",
            "Cost center",
            "input",
            required=True,
            help="Set as a label on every object; at most {maxLength} letters, digits,"
            " '-', '_' or '.'.",
            placeholder="CC-1042",
            source="spec.costCenter",
        ),
        FormField(
            "environments",
            "Environments",
            "checkboxes",
            required=True,
            help="Tick at least one.",
            choices="environments",
        ),
        FormField(
            "size",
            "Size",
            "dropdown",
            required=True,
            help="The quota of each namespace; it applies to every environment ticked above"
            " (the pull request can differ per environment).",
            source="spec.environments.*.size",
            choices="sizes",
        ),
        FormField(
            "budget",
            "Monthly budget",
            "input",
            required=False,
            help="Optional. A number in the platform's currency; an estimated cost above it"
            " fails validation.",
            placeholder="2500",
            source="spec.budget.monthly",
        ),
    ),
)

APP_FORM = IssueForm(
    kind="app",
    label="app-request",
    name="Application request",
    description="Deploy an application of your tenant from one of the platform's blueprints.",
    intro="adds the application's file under your tenant's folder",
    fields=(
        FormField(
            "tenant",
            "Tenant",
            "input",
            required=True,
            help="The tenant that owns the application (its folder under `tenants/`).",
            placeholder="payments",
            source="tenant",
        ),
        FormField(
            "app_name",
            "Application name",
            "input",
            required=True,
            help="Lowercase letters, digits and '-', starting with a letter, at most"
            " {maxLength} characters.",
            placeholder="api",
            source="metadata.name",
        ),
        FormField(
            "blueprint",
            "Blueprint",
            "dropdown",
            required=True,
            help="{blueprints}",
            source="spec.blueprint",
            choices="blueprints",
        ),
        FormField(
            "image",
            "Image",
            "input",
            required=True,
            help="The image repository without a tag, from one of the platform's registries"
            " ({registries}).",
            placeholder="{registry}payments-api",
            source="spec.image",
        ),
        FormField(
            "port",
            "Port",
            "input",
            required=False,
            help="The container port, {minimum} to {maximum} (web-service only; leave empty"
            " for a worker or cronjob).",
            placeholder="8080",
            source="spec.port",
        ),
        FormField(
            "cpu",
            "CPU",
            "input",
            required=True,
            help="CPU request per replica, as a Kubernetes quantity.",
            placeholder="250m",
            source="spec.resources.cpu",
        ),
        FormField(
            "memory",
            "Memory",
            "input",
            required=True,
            help="Memory per replica, as a Kubernetes quantity.",
            placeholder="256Mi",
            source="spec.resources.memory",
        ),
        FormField(
            "health_path",
            "Health path",
            "input",
            required=False,
            help="Optional. The HTTP path the probes call (web-service only).",
            placeholder="/healthz",
            source="spec.healthPath",
        ),
        FormField(
            "schedule",
            "Schedule",
            "input",
            required=False,
            help="Cron schedule, 5 fields, in UTC (cronjob only).",
            placeholder="0 3 * * *",
            source="spec.schedule",
        ),
        FormField(
            "environments",
            "Environments",
            "checkboxes",
            required=True,
            help="Tick at least one; each must be one of your tenant's environments.",
            choices="environments",
        ),
        FormField(
            "tag",
            "Image tag",
            "input",
            required=True,
            help="The tag to run in every environment ticked above (not `latest`).",
            placeholder="1.4.0",
            source="spec.environments.*.tag",
        ),
        FormField(
            "replicas",
            "Replicas",
            "input",
            required=True,
            help="Replicas in every environment ticked above, {minimum} to {maximum}.",
            default="1",
            source="spec.environments.*.replicas",
        ),
        FormField(
            "host_prefix",
            "Host prefix",
            "input",
            required=False,
            help="Optional (web-service only). The host in each environment is"
            " `<prefix>.<environment domain>`, and it must lie in your tenant's space,"
            " `<tenant>` or `<name>.<tenant>`; e.g. for tenant payments, `payments` gives"
            " `payments.{domain}` and `shop.payments` gives `shop.payments.{domain}` in"
            " {environment}.",
            placeholder="payments",
        ),
    ),
)

SCENARIO_FORM = IssueForm(
    kind="scenario",
    label="scenario-request",
    name="Scenario environment",
    description="A short-lived, isolated copy of your tenant's apps in one environment, for a"
    " test scenario; removed when it expires.",
    intro="adds the scenario's file under your tenant's folder",
    fields=(
        FormField(
            "tenant",
            "Tenant",
            "input",
            required=True,
            help="The tenant whose apps the scenario copies (its folder under `tenants/`).",
            placeholder="payments",
            source="tenant",
        ),
        FormField(
            "scenario_name",
            "Scenario name",
            "input",
            required=True,
            help="Lowercase letters, digits and '-', at most {maxLength} characters. Its"
            " namespace is `<tenant>-<scenario>-<environment>`.",
            placeholder="load-test",
            source="metadata.name",
        ),
        FormField(
            "description",
            "Description",
            "textarea",
            required=False,
            help="Optional. What it is for, in a sentence (at most {maxLength} characters).",
            placeholder="Load test of the new cart",
            source="spec.description",
        ),
        FormField(
            "base",
            "Base environment",
            "dropdown",
            required=True,
            help="The environment it copies: its cluster, guardrails and the releases its"
            " apps run there.",
            source="spec.base",
            choices="scenarioEnvironments",
        ),
        FormField(
            "expires",
            "Expires",
            "input",
            required=True,
            help="The last day it runs, as YYYY-MM-DD, within the platform's limit; after it a"
            " pull request removes the scenario. No backups and no alerts: it is disposable.",
            placeholder="YYYY-MM-DD",
            source="spec.expires",
        ),
        FormField(
            "size",
            "Size",
            "dropdown",
            required=True,
            help="The scenario's own quota; it counts against your tenant's budget unless the"
            " platform says otherwise.",
            source="spec.size",
            choices="sizes",
        ),
        FormField(
            "apps",
            "Applications",
            "input",
            required=False,
            help="Optional. Your apps to run, separated by commas, each as it runs in the base"
            " environment (pin another tag in the pull request). Empty: every app of the base.",
            placeholder="shop, cart-worker",
        ),
    ),
)

FORMS: tuple[IssueForm, ...] = (TENANT_FORM, APP_FORM, SCENARIO_FORM)
