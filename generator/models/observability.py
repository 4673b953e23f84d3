"""`platform.yaml` `spec.alerts` and `spec.dashboards`: runbook links and Grafana's import."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from generator.models.common import Strict


class Alerts(Strict):
    runbookUrl: str = Field(
        min_length=1,
        max_length=1024,
        pattern=r"^https://[^\s{}]*(\{alert\}[^\s{}]*)*$",
        description="Runbook link of every alert; `{alert}` is replaced by the alert's name.",
        examples=["https://runbooks.example.com/{alert}"],
    )


class GrafanaOperator(Strict):
    instanceSelector: dict[
        Annotated[str, Field(max_length=317, pattern=r"^([a-z0-9.-]+/)?[A-Za-z0-9._-]+$")],
        Annotated[str, Field(max_length=63, pattern=r"^[A-Za-z0-9._-]*$")],
    ] = Field(
        min_length=1,
        description="matchLabels of the Grafana instances that import the dashboards.",
        examples=[{"dashboards": "grafana"}],
    )


class Dashboards(Strict):
    provider: Literal["configmap", "grafana-operator"] = Field(
        default="configmap",
        description="`configmap`: a ConfigMap labelled grafana_dashboard=1 per tenant and"
        " environment, for Grafana's dashboard sidecar. `grafana-operator`: a GrafanaDashboard"
        " that reads that ConfigMap (without the sidecar label).",
    )
    grafanaOperator: GrafanaOperator | None = Field(
        default=None, description="Required with provider grafana-operator."
    )

    @model_validator(mode="after")
    def _operator(self) -> Dashboards:
        if self.provider == "grafana-operator" and self.grafanaOperator is None:
            raise ValueError("provider grafana-operator needs grafanaOperator.instanceSelector")
        return self
