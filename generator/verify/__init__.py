"""`berth verify`: the generated tree as Argo CD would apply it, validated strictly and offline.

Three parts: `sources` runs the tools and reads plain directories as Argo CD's repo server
would; `project` holds Applications and their objects to their AppProjects (pure);
`kube_schema` and `crd_schema` validate every object against the Kubernetes and CRD schemas.
`follow` walks the tree level by level and turns all of it into Problems, and gathers what the
built objects need in the cluster (`prerequisites`).
"""

from __future__ import annotations

from generator.verify.follow import Summary, verify
from generator.verify.kube_schema import Schemas
from generator.verify.sources import Tools, find_tools

__all__ = ["Schemas", "Summary", "Tools", "find_tools", "verify"]
