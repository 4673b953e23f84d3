"""GitLab trigger pipelines carry data, not configuration (docs/ci.md, "Trigger pipelines").

- A release arrives as the pipeline's typed inputs (`spec: inputs` in `.gitlab-ci.yml`), each
  with a pattern GitLab checks; the inputs become the BERTH_* variables Berth reads, never
  text of a script.
- The jobs that hold the write token run .gitlab/check_variables.py first, which refuses any
  variable they do not expect (run here for real, on a GitLab job's environment).
- They install Berth from hash-pinned requirements that cover every dependency.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from generator.models.charts import semver
from tests.support import gitlab_ci as g
from tests.support.tools import REPO

INPUTS = {
    "tenant": "BERTH_TENANT",
    "app": "BERTH_APP",
    "environment": "BERTH_ENVIRONMENT",
    "tag": "BERTH_TAG",
    "digest": "BERTH_DIGEST",
    "version": "BERTH_VERSION",
}
GUARD = REPO / ".gitlab" / "check_variables.py"
REQUIREMENTS = REPO / ".gitlab" / "requirements.txt"
DIGEST = "sha256:" + "ab" * 32

# --- inputs ---------------------------------------------------------------------------------


def test_a_release_is_the_pipelines_inputs() -> None:
    inputs = g.header()["spec"]["inputs"]
    assert set(inputs) == set(INPUTS)
    variables = g.gitlab()["variables"]
    for name, variable in INPUTS.items():
        assert inputs[name]["default"] == "", name  # every other pipeline starts without them
        assert variables[variable] == {"value": f"$[[ inputs.{name} ]]", "expand": False}
    # An input is interpolated into the configuration before the pipeline exists: in a script
    # it would be shell text. It lands in `variables:` above and nowhere else.
    pipeline = g.GITLAB_CI.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert pipeline.count("$[[") == len(INPUTS)


@pytest.mark.parametrize(
    ("name", "good", "bad"),
    [
        ("tenant", ["", "payments", "a", "web-shop"], ["../x", "Payments", "-x", "a b", "$(id)"]),
        ("app", ["", "api"], ["api;id", "x" * 64, "${{ x }}", "a\nb"]),
        ("environment", ["", "prod"], ["prod\n", "$CI_JOB_TOKEN"]),
        ("tag", ["", "1.4.0", "v2_rc.1"], ["latest$(id)", "1.4 .0", "-1", "a" * 129, "`id`"]),
        ("digest", ["", DIGEST], ["sha256:" + "AB" * 32, "sha256:abc", DIGEST + "\n"]),
        (
            "version",
            ["", "19.3.0", "v1.2.3", "0.108.0", "1.0.0-rc.1+build.5", "123456789.0.0"],
            ["19.3", "01.2.3", "1.2.3$(id)", "1.2.3 ", "latest", "1.2.3-" + "a" * 33, "1.2.3\n"],
        ),
    ],
)
def test_each_input_admits_only_its_values(name: str, good: list[str], bad: list[str]) -> None:
    # GitLab matches `regex` (RE2) against the whole value; these patterns mean the same in
    # Python's `re`. Berth checks every value again with the request models' rules.
    pattern = re.compile(g.header()["spec"]["inputs"][name]["regex"])
    for value in good:
        assert pattern.fullmatch(value), (name, value)
    for value in bad:
        assert not pattern.fullmatch(value), (name, value)


def test_the_version_input_admits_only_what_berth_takes_as_a_chart_version() -> None:
    # Narrower than the model (bounded parts), never wider: every value the pattern admits is
    # a semantic version no longer than the model's 100 characters.
    pattern = g.header()["spec"]["inputs"]["version"]["regex"]
    longest = "v" + ".".join(["9" * 9] * 3) + "-" + "a" * 32 + "+" + "b" * 32
    assert re.fullmatch(pattern, longest) and semver(longest) is not None
    assert len(longest) <= 100
    for value in ("1.2.3", "v0.0.1-alpha.1+sha.5114f85", "10.20.30-rc.1"):
        assert re.fullmatch(pattern, value) and semver(value) is not None, value


def test_no_pipeline_is_started_with_variables() -> None:
    ci = g.gitlab()
    text = g.GITLAB_CI.read_text(encoding="utf-8")
    # The old manual intake (a file variable BERTH_EVENT on a web or API pipeline) is gone.
    sources = " ".join(rule["if"] for rule in ci["workflow"]["rules"])
    assert '"web"' not in sources and '"api"' not in sources
    assert "BERTH_EVENT" not in text
    assert '"Minimum role to use pipeline variables": No one allowed' in text
    docs = " ".join((REPO / "docs" / "ci.md").read_text(encoding="utf-8").split())
    assert "**Minimum role to use pipeline variables: No one allowed**" in docs


# --- the variable check -----------------------------------------------------------------------


def test_every_job_with_the_write_token_checks_its_variables_first() -> None:
    ci = g.gitlab()
    check = g.flat(ci[".check-variables"])
    assert check == ["/usr/local/bin/python3 -I -S .gitlab/check_variables.py"]
    for job_id in g.token_jobs(ci):
        assert g.flat(ci[job_id]["before_script"])[0] == check[0], job_id


# What a GitLab job of this pipeline sees: predefined variables, the runner's, the image's,
# the project's two tokens and the pipeline's own variables.
JOB_ENV = {
    "CI": "true",
    "GITLAB_CI": "true",
    "CI_API_V4_URL": "https://gitlab.example/api/v4",
    "CI_PROJECT_ID": "7",
    "CI_JOB_TOKEN": "[MASKED]",
    "CI_PIPELINE_SOURCE": "trigger",
    "CI_SERVER_TLS_CA_FILE": "/builds/acme/platform.tmp/CI_SERVER_TLS_CA_FILE",
    "GITLAB_USER_LOGIN": "bot",
    "GITLAB_FEATURES": "",
    "FF_NETWORK_PER_BUILD": "false",
    "TRIGGER_PAYLOAD": "/builds/acme/platform.tmp/TRIGGER_PAYLOAD",
    "RUNNER_TEMP_PROJECT_DIR": "/builds/acme/platform.tmp",
    "GIT_DEPTH": "0",
    "GIT_STRATEGY": "fetch",
    "GIT_TERMINAL_PROMPT": "0",
    "GCM_INTERACTIVE": "Never",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/root",
    "HOSTNAME": "runner-1",
    "LANG": "C.UTF-8",
    "GPG_KEY": "A035C8C19219BA821ECEA86B64E628F8D684696D",
    "PYTHON_VERSION": "3.11.11",
    "PYTHON_SHA256": "0" * 64,
    "KUBERNETES_SERVICE_HOST": "10.0.0.1",
    "KUBERNETES_SERVICE_PORT": "443",
    "KUBERNETES_PORT_443_TCP": "tcp://10.0.0.1:443",
    "BERTH_GITLAB_TOKEN": "glpat-secret",
    "BERTH_COMMIT_MESSAGE": "berth: regenerate the generated files",
    **dict.fromkeys(INPUTS.values(), ""),
}


def _guard(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-S", str(GUARD)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_variable_check_takes_the_berth_names_of_the_pipeline_and_no_other() -> None:
    # The BERTH_* names the guard lets through are exactly the project's two tokens and the
    # pipeline's own variables (its commit message and the release inputs): an input added to
    # `spec: inputs` needs its name here, and the guard takes no name the pipeline lacks.
    names = _guard_names()
    pipeline = {name for name in g.gitlab()["variables"] if name.startswith("BERTH_")}
    assert names == pipeline | {"BERTH_GITLAB_TOKEN", "BERTH_GITLAB_READ_TOKEN"}
    assert set(INPUTS.values()) <= names


def _guard_names() -> set[str]:
    spec = importlib.util.spec_from_file_location("check_variables", GUARD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return set(module.BERTH)


def test_the_variable_check_passes_a_gitlab_jobs_own_environment() -> None:
    proc = _guard(JOB_ENV)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


@pytest.mark.parametrize(
    "name",
    [
        "PIP_INDEX_URL",
        "PIP_CONFIG_FILE",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "GIT_SSH_COMMAND",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PYTHON_GIL",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "NO_PROXY",
        "BASH_ENV",
        "REQUESTS_CA_BUNDLE",
        "SSL_CERT_FILE",
        "BERTH_BASE_BRANCH",
        "BERTH_DEBUG",
        "CI_DEBUG_TRACE",
        "NODE_OPTIONS",
        "KUBECONFIG",
        "KUBERNETES_SERVICE_HOST_X",
    ],
)
def test_the_variable_check_refuses_what_the_job_does_not_expect(name: str) -> None:
    # (An LD_* value is acted on by the loader before any check can run, which is why the
    # project setting comes first; an empty one keeps the loader quiet here.)
    value = "" if name.startswith("LD_") else "https://evil.example/simple"
    proc = _guard({**JOB_ENV, name: value})
    assert proc.returncode == 1
    assert f"expect: {name}." in proc.stderr
    assert "evil.example" not in proc.stderr + proc.stdout  # values are never printed
    assert "No one allowed" in proc.stderr


def test_the_variable_check_names_every_unexpected_variable() -> None:
    proc = _guard({**JOB_ENV, "PIP_INDEX_URL": "x", "GIT_CONFIG_COUNT": "1", "weird name": "x"})
    assert proc.returncode == 1
    assert "expect: GIT_CONFIG_COUNT, PIP_INDEX_URL, 'weird name'." in proc.stderr


# --- hash-pinned install ---------------------------------------------------------------------


def test_every_install_of_the_pipeline_is_hash_checked() -> None:
    ci = g.gitlab()
    install = g.flat(ci[".install-berth"])
    assert install[0] == "/usr/local/bin/python3 -I -m venv .venv"
    deps, berth = install[1], install[2]
    for line in (deps, berth):
        assert line.startswith(".venv/bin/python -I -m pip install --isolated "), line
    assert "--require-hashes --only-binary=:all: -r .gitlab/requirements.txt" in deps
    assert berth.endswith("--no-deps --no-build-isolation --no-index .")
    # No other pip install anywhere in the pipeline (install-tools is the verify jobs' own).
    lines = [line for job in g.jobs_of(ci).values() for line in g.script(job).splitlines()]
    assert {line for line in lines if "pip install" in line} <= {deps, berth}
    code = [
        line for line in g.GITLAB_CI.read_text(encoding="utf-8").splitlines() if "#" not in line
    ]
    assert not [line for line in code if "PIP_" in line]


def _pins() -> dict[str, tuple[str, list[str]]]:
    text = REQUIREMENTS.read_text(encoding="utf-8")
    entries = re.split(
        r"\n(?=[A-Za-z])",
        "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip(),
    )
    pins = {}
    for entry in entries:
        match = re.fullmatch(
            r"([A-Za-z0-9._-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\\n)?)+)", entry
        )
        assert match, entry
        hashes = re.findall(r"sha256:([0-9a-f]{64})", match[3])
        pins[canonicalize_name(match[1])] = (match[2], hashes)
    return pins


def test_the_requirements_pin_every_dependency_with_its_hashes() -> None:
    pins = _pins()
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    direct = [Requirement(r) for r in project["project"]["dependencies"]]
    build = [Requirement(r) for r in project["build-system"]["requires"]]
    for requirement in [*direct, *build]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in {REQUIREMENTS.name}"
        assert requirement.specifier.contains(pins[name][0]), (requirement, pins[name][0])
    # Everything they need, on the job's Python (CPython 3.11 on Linux), is pinned as well:
    # --require-hashes installs nothing that is not listed.
    environment = {**default_environment(), "python_version": "3.11", "sys_platform": "linux"}
    environment |= {"platform_system": "Linux", "implementation_name": "cpython"}
    for name in pins:
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({**environment, "extra": ""}):
                continue
            assert canonicalize_name(requirement.name) in pins, f"{name} needs {requirement}"
