"""The release entry points on GitHub (docs/releases.md): the composite action an app
repository calls and the workflow that turns its dispatch into a pull request. The linters
for every workflow run in tests/test_workflows.py; here the action's own and the rules both
keep: inputs reach scripts through `env:` only, and the payload is read from the event file.
"""

from __future__ import annotations

import json

import pytest

from tests.support.tools import REPO, run, tool
from tests.test_workflows import WORKFLOW_DIR, _jobs, _load, _rel, _steps, _triggers

# --- the release entry points (docs/releases.md) -----------------------------------------------

RELEASE_WORKFLOW = WORKFLOW_DIR / "berth-release.yml"
BUMP_ACTION = REPO / ".github" / "actions" / "bump" / "action.yml"


@pytest.mark.tools
def test_the_bump_action_matches_the_action_schema_and_zizmor_finds_nothing() -> None:
    # check-jsonschema ships SchemaStore's github-action schema: no network needed.
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(BUMP_ACTION)])
    proc = run(
        [
            tool("zizmor"),
            "--offline",
            "--no-config",
            "--no-progress",
            "--persona",
            "auditor",
            "--format",
            "json",
            _rel(BUMP_ACTION),
        ],
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0 and json.loads(proc.stdout) == [], proc.stdout + proc.stderr


def test_the_bump_action_passes_its_inputs_through_env_only() -> None:
    action = _load(BUMP_ACTION)
    [step] = action["runs"]["steps"]
    assert "${{" not in step["run"]
    assert set(step["env"].values()) == {f"${{{{ inputs.{name} }}}}" for name in action["inputs"]}
    # The dispatch goes to the platform repository's dispatches endpoint, as JSON built by jq.
    assert '"$GITHUB_API_URL/repos/$BERTH_REPOSITORY/dispatches"' in step["run"]
    assert "jq -n" in step["run"]


def test_the_release_workflow_reads_the_payload_from_the_event_file() -> None:
    workflow = _load(RELEASE_WORKFLOW)
    triggers = _triggers(workflow)
    assert triggers["repository_dispatch"] == {"types": ["berth-bump"]}
    assert set(triggers["workflow_dispatch"]["inputs"]) == {
        "tenant",
        "app",
        "environment",
        "tag",
        "digest",
        "version",
    }
    [job] = _jobs(workflow).values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    text = RELEASE_WORKFLOW.read_text(encoding="utf-8")
    for _, step in _steps(workflow):
        assert "client_payload" not in json.dumps(step) and "inputs." not in json.dumps(step)
    assert '.venv/bin/berth bump --event "$GITHUB_EVENT_PATH"' in text
