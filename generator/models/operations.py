"""The operations fields of an application (docs/operations.md): its SLO and its VPA opt-in.

What one field alone can say is checked here; `validate/operations.py` checks what needs the
platform (allowed modes, alerting) or the app's other fields (autoscale, hosts).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from generator.models.common import Strict

_OBJECTIVE = re.compile(r"[0-9]{2}(?:\.[0-9]{1,3})?")


def _objective(value: float) -> float:
    text = f"{value:.15g}"
    if not 50 <= value < 100 or not _OBJECTIVE.fullmatch(text):
        raise ValueError(
            f"{text} is not an objective: a percentage from 50 to under 100 with at most three"
            " decimals, such as 99.9"
        )
    return value


Objective = Annotated[float, AfterValidator(_objective)]


class LatencySlo(Strict):
    """Share of requests answered faster than a threshold, measured at the ingress controller."""

    thresholdMs: int = Field(
        ge=1,
        le=600000,
        description="Latency threshold in milliseconds: one of the bucket boundaries of the"
        " platform's ingress controller's latency histogram (validate names them; for"
        " ingress-nginx 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000).",
    )
    percent: Objective = Field(
        description="Percent of requests that must be faster than the threshold, such as 99."
    )


class Slo(Strict):
    """Service level objectives of a web-service, measured on its Ingress (the request metrics
    of the platform's ingress controller) over 30 days; each becomes multi-window,
    multi-burn-rate alerts."""

    availability: Objective | None = Field(
        default=None,
        description="Percent of requests that must not fail with a 5xx status, such as 99.9.",
    )
    latency: LatencySlo | None = Field(default=None, description="Latency objective.")

    @model_validator(mode="after")
    def _something(self) -> Slo:
        if self.availability is None and self.latency is None:
            raise ValueError("give availability, latency or both")
        return self


VpaResource = Literal["cpu", "memory"]


def _all_resources() -> list[VpaResource]:
    return ["cpu", "memory"]


class Vpa(Strict):
    """Let the VerticalPodAutoscaler set requests instead of only advising."""

    mode: Literal["Initial", "InPlaceOrRecreate"] = Field(
        description="`Initial`: requests are set when a pod is created; `InPlaceOrRecreate`: also"
        " on running pods (in place where the node can, else by evicting the pod). Only where"
        " platform.yaml allows the mode in this environment; elsewhere the VPA only advises"
        " (updateMode Off)."
    )
    resources: list[VpaResource] = Field(
        default_factory=_all_resources,
        min_length=1,
        max_length=2,
        description="Resources the VPA sets (default cpu and memory). With `autoscale` only"
        " memory: the HPA scales on CPU use relative to the request, so a VPA moving the CPU"
        " request would fight it.",
    )
