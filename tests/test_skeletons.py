"""Each blueprint's skeleton (blueprints/skeleton/, shared, then blueprints/<name>/skeleton/), the repository the "New application"
template creates: templated with example values by the npm `nunjucks` package the way Backstage's
fetch:template does it (tests/support/skeleton.mjs), its CI files pass actionlint, zizmor and
check-jsonschema, its Dockerfile passes hadolint and runs as a non-root user, and the
web-service's server answers its health path."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.backstage import PACKAGES
from tests.support.tools import REPO, reference, run, tool

SCRIPT = REPO / "tests" / "support" / "skeleton.mjs"
BLUEPRINTS = ("web-service", "worker", "cronjob")
BASE = {
    "name": "api",
    "tenant": "payments",
    "description": "Payment intents & refunds",
    "environment": "dev",
    "platformRepository": "acme/platform",
    "platformOwner": "acme",
    "platformName": "platform",
    "platformRef": "main",
    "defaultBranch": "main",
}
# The registry decides how the workflow logs in: GitHub's own token for ghcr.io, secrets otherwise.
REGISTRIES = {"ghcr.io": "ghcr.io/acme/payments-api", "registry.acme.example": "registry.acme.example/payments-api"}  # fmt: skip
EXTRA: dict[str, dict[str, Any]] = {
    "web-service": {"port": 8080, "healthPath": "/healthz"},
    "worker": {},
    "cronjob": {"schedule": "*/5 * * * *"},
}
CASES = [(b, r) for b in BLUEPRINTS for r in REGISTRIES]


def values(blueprint: str, registry: str) -> dict[str, Any]:
    return {**BASE, **EXTRA[blueprint], "registry": registry, "image": REGISTRIES[registry]}


def template(
    blueprint: str, data: dict[str, Any], out: Path, engine: str = "nunjucks"
) -> list[str]:
    """The skeleton templated into `out` (with `engine`: nunjucks, or Backstage's nunjitsu);
    the files written, relative to it."""
    if not (PACKAGES / "node_modules" / "nunjucks" / "package.json").is_file():
        pytest.fail(f"nunjucks is not installed in {PACKAGES} (run .ci/install-test-tools)")
    written: list[str] = []
    # As the template's two fetch:template steps: the shared part, then the blueprint's own.
    for source in (REPO / "blueprints" / "skeleton", REPO / "blueprints" / blueprint / "skeleton"):
        done = subprocess.run(
            [tool("node"), str(SCRIPT), str(PACKAGES), str(source), str(out), engine],
            input=json.dumps(data),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        written += json.loads(done.stdout)
    return written


@pytest.mark.tools
@pytest.mark.parametrize(("blueprint", "registry"), CASES)
def test_skeleton_templates_into_a_repository_that_passes_the_linters(
    blueprint: str, registry: str, tmp_path: Path
) -> None:
    root = tmp_path / "nunjucks"
    written = template(blueprint, values(blueprint, registry), root)
    assert sorted(written) == [
        ".dockerignore", ".github/workflows/release.yml", ".gitlab-ci.yml", "Dockerfile", "app.py"
    ]  # fmt: skip
    for name in written:
        text = (root / name).read_text()
        # Every template expression was replaced; GitHub's own `${{ }}` remain in the workflow.
        assert "values." not in text, f"{name}: a value was left untemplated"
    lint(root)
    _check_contract(blueprint, registry, root)
    # The scaffolder's newer engine (nunjitsu) writes the same bytes.
    again = tmp_path / "nunjitsu"
    assert template(blueprint, values(blueprint, registry), again, "nunjitsu") == written
    for name in written:
        assert (again / name).read_bytes() == (root / name).read_bytes(), name


def lint(root: Path) -> None:
    """The templated repository's code compiles, its CI files and Dockerfile pass the linters."""
    compile((root / "app.py").read_text(), "app.py", "exec")
    workflow = root / ".github" / "workflows" / "release.yml"
    run([tool("actionlint"), "-no-color", ".github/workflows/release.yml"], cwd=root)
    # The auditor persona reports everything; --no-config so that no file can switch audits off.
    zizmor = run(
        [tool("zizmor"), "--offline", "--no-config", "--no-progress", "--persona", "auditor",
         "--format", "json", ".github/workflows"],
        cwd=root, check=False,
    )  # fmt: skip
    assert zizmor.returncode == 0 and json.loads(zizmor.stdout) == [], zizmor.stdout
    schema = reference("github", "schemas", "github-workflow.json")
    run([tool("check-jsonschema"), "--schemafile", str(schema), str(workflow)])
    gitlab = root / ".gitlab-ci.yml"
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci", str(gitlab)])
    run([tool("hadolint"), "--no-color", "--failure-threshold", "info", "Dockerfile"], cwd=root)


def _check_contract(blueprint: str, registry: str, root: Path) -> None:
    """What the linters cannot know: the image, the user, the release call's values."""
    dockerfile = (root / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", dockerfile, flags=re.MULTILINE)
    # The chart's pods run as 10001 with runAsNonRoot: a numeric, non-root user the kubelet can check.
    assert users[-1:] == ["10001:10001"], users
    if blueprint == "web-service":
        assert "EXPOSE 8080" in dockerfile and "PORT=8080" in dockerfile
    else:  # no port: nothing exposed
        assert "EXPOSE" not in dockerfile and "PORT" not in dockerfile

    workflow = yaml.safe_load((root / ".github" / "workflows" / "release.yml").read_text())
    assert workflow[True]["push"]["branches"] == ["main"]
    assert workflow["env"]["IMAGE"] == REGISTRIES[registry]
    build, image, release = (workflow["jobs"][j] for j in ("build", "image", "release"))
    # Pull requests only build; only the job that pushes to ghcr.io gets packages: write; the
    # push and the release run in the environment that holds the credentials.
    assert build["permissions"] == {"contents": "read"} and "environment" not in build
    assert build["if"] == "github.event_name == 'pull_request'"
    wanted = {"contents": "read", **({"packages": "write"} if registry == "ghcr.io" else {})}
    assert image["permissions"] == wanted and release["permissions"] == {}
    assert image["if"] == "github.event_name == 'push'" and release["needs"] == "image"
    assert image["environment"] == release["environment"] == "berth-release"
    bump = release["steps"][-1]
    assert bump["uses"] == "acme/platform/.github/actions/bump@main"
    assert bump["with"] | {"token": None} == {
        "platform-repository": "acme/platform",
        "token": None,
        "tenant": "payments",
        "app": "api",
        "environment": "dev",
        "tag": "${{ github.sha }}",
        "digest": "${{ needs.image.outputs.digest }}",
    }
    # docs/releases.md: a GitHub App token first, else a fine-grained token; never GITHUB_TOKEN.
    assert bump["with"]["token"] == "${{ steps.app.outputs.token || secrets.BERTH_DISPATCH_TOKEN }}"

    gitlab = yaml.safe_load((root / ".gitlab-ci.yml").read_text())
    assert gitlab["include"] == [
        {"project": "acme/platform", "ref": "main", "file": ".gitlab/berth-bump.gitlab-ci.yml"}
    ]
    assert gitlab["build-image"]["variables"]["IMAGE"] == REGISTRIES[registry]
    assert gitlab["release"]["extends"] == ".berth-bump"
    assert gitlab["release"]["variables"] == {
        "BERTH_PLATFORM_PROJECT": "acme%2Fplatform",
        "BERTH_PLATFORM_REF": "main",
        "BERTH_TENANT": "payments",
        "BERTH_APP": "api",
        "BERTH_ENVIRONMENT": "dev",
        "BERTH_TAG": "$CI_COMMIT_SHA",
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.tools
def test_web_service_skeleton_answers_its_health_path(tmp_path: Path) -> None:
    data = {**values("web-service", "ghcr.io"), "healthPath": "/ready", "port": _free_port()}
    template("web-service", data, tmp_path)
    server = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{data['port']}"
    try:
        for _ in range(100):
            try:
                status, body = _get(base + "/ready")
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("the web-service skeleton did not start listening")
        assert (status, body) == (200, "ok\n")
        assert _get(base + "/healthz")[0] == 404  # the path the template was given, no other
        status, body = _get(base + "/metrics")
        assert status == 200 and "app_requests_total" in body
        assert json.loads(_get(base + "/")[1]) == {"app": "api", "tenant": "payments"}
    finally:
        # Kubernetes stops pods with SIGTERM: the server shuts down cleanly and exits 0.
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=10)
    assert server.returncode == 0, output
    assert "listening on :" in output
