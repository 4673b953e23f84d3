"""`berth upgrade`: Berth's files rewritten from the running version, blueprints/ three-way
merged against the defaults of the version in berth.lock (conflicts marked and reported,
exit 1), the pin moved, the tree rendered again. (That the root's own Berth files are what an
upgrade writes for the root's platform.yaml is tests/test_example.py's.)

The older release here, 0.1.9, is made up: its record (what the package carries for every
earlier release, generator/scaffold/history.py) is written into a temporary folder that
stands in for the package's releases/ folder. Its defaults differ from the running
version's in three ways: LimitRange's default memory limit was 256Mi, the Namespace had no
`enforce-version` label, and a file the running version no longer ships.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from generator.models.install import BerthInstall
from generator.scaffold import history
from generator.scaffold.init import owned_for
from generator.scaffold.install import BEGIN, END
from generator.scaffold.lock import lock_for, sha256
from generator.scaffold.shipped import default_blueprints
from generator.scaffold.version import version
from generator.yamlio.edit import Edit, edit
from tests.support.cli import berth
from tests.support.example import example
from tests.support.scaffold import add_shop, make_platform
from tests.support.tools import REPO

OLD = "0.1.9"
# platform.yaml of `berth init` leaves the API server's addresses to the platform team.
API_SERVER_WARNING = (
    "platform.yaml:7:1: warning: spec.network.apiServer: name the Kubernetes API server's"
    " addresses (cidrs): without them every database pod may reach TCP 443 and 6443 of any"
    " address outside the cluster\n"
)
LIMITS = "blueprints/tenant/limitrange.yaml"
NAMESPACE = "blueprints/tenant/namespace.yaml"
LEGACY = "blueprints/tenant/legacy-note.yaml"


def _old_defaults() -> dict[str, str]:
    files = default_blueprints()
    files[LIMITS] = files[LIMITS].replace("      memory: 512Mi\n", "      memory: 256Mi\n")
    files[NAMESPACE] = files[NAMESPACE].replace(
        "    pod-security.kubernetes.io/enforce-version: latest\n", ""
    )
    files[LEGACY] = "# a default 0.1.9 shipped and the running version does not\n"
    return files


@pytest.fixture
def releases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "releases"
    folder.mkdir()
    current = default_blueprints()
    entries = {
        path: {"sha256": sha256(text), **({"text": text} if current.get(path) != text else {})}
        for path, text in sorted(_old_defaults().items())
    }
    (folder / f"{OLD}.json").write_text(json.dumps({"berth": OLD, "blueprints": entries}))
    monkeypatch.setattr(history, "RELEASES", folder)
    return folder


def _old_repo(root: Path, edit: tuple[str, str] | None) -> Path:
    """A repository as `berth init` of 0.1.9 made it, with one tenant; `edit` replaces a
    line of the LimitRange the way a platform team would."""
    make_platform(root)
    add_shop(root)
    for path in default_blueprints():
        (root / path).unlink()
    for path, text in _old_defaults().items():
        (root / path).write_text(text, encoding="utf-8")
    if edit is not None:
        text = (root / LIMITS).read_text(encoding="utf-8")
        assert edit[0] in text
        (root / LIMITS).write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    (root / "berth.lock").write_text(lock_for(OLD, "github", _old_defaults()).text())
    platform = (root / "platform.yaml").read_text(encoding="utf-8")
    (root / "platform.yaml").write_text(
        platform.replace(f"version: {version()}", f"version: {OLD}")
    )
    assert berth(root, "render")[0] == 0
    return root


def test_upgrade_merges_the_platforms_edit_with_the_new_defaults(
    tmp_path: Path, releases: Path
) -> None:
    root = _old_repo(tmp_path / "r", ("      cpu: 100m\n", "      cpu: 200m\n"))
    code, out, err = berth(root, "upgrade")
    assert (code, err) == (0, API_SERVER_WARNING), err
    limits = (root / LIMITS).read_text(encoding="utf-8")
    assert "      cpu: 200m\n" in limits  # the platform's edit is kept
    assert "      memory: 512Mi\n" in limits and "256Mi" not in limits  # Berth's change taken
    assert (root / NAMESPACE).read_text(encoding="utf-8") == default_blueprints()[NAMESPACE]
    assert not (root / LEGACY).exists()  # untouched, and no longer shipped: removed
    assert "version: 0.2.0" in (root / "platform.yaml").read_text(encoding="utf-8")
    lock = json.loads((root / "berth.lock").read_text(encoding="utf-8"))
    assert lock["berth"] == version()
    assert lock["blueprints"][LIMITS] == sha256(default_blueprints()[LIMITS])
    lines = out.splitlines()
    assert lines[-1].startswith(f"berth: {OLD} -> {version()}: ")
    # Argo CD builds the guardrails from blueprints/tenant: the upgrade itself says so.
    assert lines[-2] == (
        "berth: blueprints/tenant/ changed (3 file(s)): the guardrails overlay of every tenant"
        " in every environment (1 tenant(s)); Argo CD builds it from blueprints/, so no"
        " generated file and no `berth plan` shows it: `berth verify` builds it"
    )
    for expected in (
        f"changed: {LIMITS}",
        f"removed: {LEGACY}",
        "changed: platform.yaml",
        "changed: berth.lock",
    ):
        assert expected in lines, (expected, out)
    # The new pin reaches the install steps, and the tree is rendered from the merge.
    pr = (root / ".github/workflows/berth-pr.yml").read_text(encoding="utf-8")
    assert f"'berth=={version()}'" in pr and f"'berth=={OLD}'" not in pr
    assert berth(root, "render", "--check")[0] == 0
    # A second upgrade finds nothing to do.
    code, out, _ = berth(root, "upgrade")
    assert (code, out) == (
        0,
        f"berth: {version()} -> {version()}: 0 file(s) changed; `berth plan --base HEAD` shows what the generated files change for tenants\n",
    )


def test_a_conflict_is_marked_in_the_file_and_reported_at_its_first_marker(
    tmp_path: Path, releases: Path
) -> None:
    root = _old_repo(tmp_path / "r", ("      memory: 256Mi\n", "      memory: 1Gi\n"))
    code, out, err = berth(root, "upgrade")
    assert code == 1
    limits = (root / LIMITS).read_text(encoding="utf-8").splitlines()
    first = limits.index("<<<<<<< blueprints/ (yours)") + 1
    assert limits[first - 1 :] == [
        "<<<<<<< blueprints/ (yours)",
        "      memory: 1Gi",
        "=======",
        "      memory: 512Mi",
        f">>>>>>> berth {version()}",
    ]
    assert err.splitlines() == [
        f"{LIMITS}:{first}:1: merge conflict between your edits and berth {version()}'s"
        " defaults (1 place(s)); resolve the <<<<<<< ... >>>>>>> markers, then run `berth render`",
        "berth: resolve the problems above, then run `berth render`",
    ]
    # The rest of the upgrade is done; nothing is rendered from a file with markers.
    assert f"changed: {LIMITS}" in out and "changed: berth.lock" in out
    assert not [line for line in out.splitlines() if line.startswith("changed: environments/")]
    # Resolved by hand, the repository renders like any other.
    resolved = [line for line in limits if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))]
    resolved.remove("      memory: 512Mi")
    (root / LIMITS).write_text("\n".join(resolved) + "\n", encoding="utf-8")
    assert berth(root, "render")[0] == 0
    assert berth(root, "upgrade")[0] == 0


def test_a_repository_without_a_lock_is_a_copy_of_berth_0_1_0(tmp_path: Path) -> None:
    """0.1.0 had no berth.lock, no berth: section and no install markers: a platform
    repository was a copy of Berth's own. Its defaults are the recorded 0.1.0 ones."""
    root = tmp_path / "copy"
    shutil.copytree(example(), root, ignore=shutil.ignore_patterns(".git", ".berth"))
    for name in (".github/workflows", ".github/actions", ".gitlab", ".ci"):
        # .gitlab/issue_templates is rendered from the root's company: the example has its own
        skip = shutil.ignore_patterns("issue_templates")
        shutil.copytree(REPO / name, root / name, dirs_exist_ok=True, ignore=skip)
    shutil.copy(REPO / ".gitlab-ci.yml", root / ".gitlab-ci.yml")
    raw = (root / "platform.yaml").read_bytes()
    if "berth" in yaml.safe_load(raw):
        (root / "platform.yaml").write_bytes(edit(raw, "platform.yaml", [Edit(("berth",), None)]))
    workflow = root / ".github/workflows/berth-pr.yml"
    marked = workflow.read_text(encoding="utf-8")
    workflow.write_text(
        "".join(line for line in marked.splitlines(True) if "berth:install" not in line)
    )
    code, out, err = berth(root, "upgrade")
    assert code == 0, err
    assert err.startswith(
        "berth: note: platform.yaml has no berth: section, so CI installs Berth from this repository"
    )
    assert workflow.read_text(encoding="utf-8") == marked  # pip install . again, marked
    lock = json.loads((root / "berth.lock").read_text(encoding="utf-8"))
    assert (lock["berth"], lock["host"]) == (version(), None)  # both hosts' files kept current
    assert out.splitlines()[:-1] == ["changed: .github/workflows/berth-pr.yml", "added: berth.lock"]


def test_a_newer_lock_or_an_unknown_release_is_refused(tmp_path: Path) -> None:
    root = make_platform(tmp_path / "r")
    lock = root / "berth.lock"
    document = json.loads(lock.read_text(encoding="utf-8"))
    lock.write_text(json.dumps({**document, "berth": "9.0.0"}))
    assert berth(root, "upgrade") == (
        2,
        "",
        f"berth: error: this repository is at berth 9.0.0 (berth.lock), newer than this berth {version()}: install berth==9.0.0\n",
    )
    lock.write_text(json.dumps({**document, "berth": "0.0.7"}))
    code, _, err = berth(root, "upgrade")
    assert code == 2
    assert (
        err
        == f"berth: error: this Berth ({version()}) has no record of the defaults of 0.0.7; it knows 0.1.0, {version()}\n"
    )


# --- the install steps ------------------------------------------------------------------


SHA = "0" * 64
PIP = ".venv/bin/python -m pip install --quiet --disable-pip-version-check"
GITLAB_PIP = (
    ".venv/bin/python -I -m pip install --isolated --quiet --disable-pip-version-check"
    " --no-cache-dir --no-deps"
)


@pytest.mark.parametrize(
    ("setting", "github", "gitlab"),
    [
        (BerthInstall(source=True), f"{PIP} .", f"{GITLAB_PIP} --no-build-isolation --no-index ."),
        (
            BerthInstall(version="0.2.0"),
            f"{PIP} 'berth==0.2.0'",
            f"{GITLAB_PIP} --only-binary=:all: 'berth==0.2.0'",
        ),
        (
            BerthInstall(version="0.2.0", index="https://pypi.globex.example/simple"),
            f"{PIP} --index-url 'https://pypi.globex.example/simple' 'berth==0.2.0'",
            f"{GITLAB_PIP} --only-binary=:all: --index-url 'https://pypi.globex.example/simple' 'berth==0.2.0'",
        ),
        (
            BerthInstall(
                version="0.2.0",
                url="https://git.globex.example/berth-0.2.0-py3-none-any.whl",
                sha256=SHA,
            ),
            f"{PIP} 'berth @ https://git.globex.example/berth-0.2.0-py3-none-any.whl#sha256={SHA}'",
            f"{GITLAB_PIP} --only-binary=:all: 'berth @ https://git.globex.example/berth-0.2.0-py3-none-any.whl#sha256={SHA}'",
        ),
    ],
    ids=["source", "index", "internal-index", "archive"],
)
def test_install_steps_follow_the_berth_section(
    setting: BerthInstall, github: str, gitlab: str
) -> None:
    files = owned_for("github", setting)
    pr = yaml.safe_load(files[".github/workflows/berth-pr.yml"])
    install = next(s for s in pr["jobs"]["check"]["steps"] if s["name"] == "Install Berth")
    assert install["run"] == f"python -m venv .venv\n# {BEGIN[2:]}\n{github}\n{END}\n"
    pipeline = owned_for("gitlab", setting)[".gitlab-ci.yml"].split("\n---\n", 1)[1]
    assert yaml.safe_load(pipeline)[".install-berth"][-1] == gitlab


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"url": "https://h.example/b.whl"}, "url and sha256 go together"),
        (
            {"version": "0.2.0", "source": True, "index": "https://h.example/simple"},
            "source: true installs this repository",
        ),
        ({}, "version is required"),
        ({"version": "0.2.0", "index": "https://h.example/$(id)"}, "String should match pattern"),
    ],
)
def test_the_berth_section_refuses_what_cannot_be_installed(
    section: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("$", r"\$").replace("(", r"\(")):
        BerthInstall.model_validate(section)


def test_a_gitlab_repository_keeps_its_pipeline_and_gets_no_workflows(tmp_path: Path) -> None:
    root = make_platform(tmp_path / "r", "--host", "gitlab")
    pipeline = root / ".gitlab-ci.yml"
    pipeline.write_text(pipeline.read_text(encoding="utf-8") + "# an edit Berth undoes\n")
    code, out, err = berth(root, "upgrade")
    assert (code, err) == (0, "")
    assert out.splitlines()[:-1] == ["changed: .gitlab-ci.yml"]
    assert not (root / ".github" / "workflows").exists()


def test_an_archive_pin_is_left_to_the_platform_team(tmp_path: Path, releases: Path) -> None:
    root = _old_repo(tmp_path / "r", None)
    url = "https://git.globex.example/berth-0.1.9-py3-none-any.whl"
    platform = (root / "platform.yaml").read_text(encoding="utf-8")
    pin = f"  version: {OLD}\n  url: {url}\n  sha256: {'a' * 64}\n"
    (root / "platform.yaml").write_text(platform.replace(f"  version: {OLD}\n", pin))
    url_line = (root / "platform.yaml").read_text(encoding="utf-8").splitlines().index(
        f"  url: {url}"
    ) + 1
    code, _, err = berth(root, "upgrade")
    assert code == 1
    assert err.splitlines()[0] == (
        f"platform.yaml:{url_line}:8: berth.url: names the archive of {OLD}; set url and sha256 to those"
        f" of the {version()} archive (and version: {version()})"
    )
    assert f"'berth @ {url}#sha256={'a' * 64}'" in (
        root / ".github/workflows/berth-pr.yml"
    ).read_text(encoding="utf-8")


def test_a_folder_berth_did_not_make_is_refused(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_bytes((example() / "platform.yaml").read_bytes())
    code, _, err = berth(tmp_path, "upgrade")
    assert code == 2 and "not a platform repository Berth made" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["platform.yaml"]
