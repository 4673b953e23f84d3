#!/usr/bin/env bash
# The trusted half of Berth's GitLab merge-request loop (docs/ci.md, "GitLab").
#
# Runs in the `publish` job of a pipeline on the protected default branch, started by the
# project webhook for merge request events through the pipeline trigger. This file, the job
# definition and the Berth that runs are the default branch's: a merge request cannot edit
# any of them. From the merge request it takes only data: the iid (from the payload, then
# everything else from the API), and the files of its head commit, which Berth reads as
# requests and renders. Then it posts the plan as the merge request's one Berth note and, for
# branches of this project whose change is only tenant requests (and generated files), commits
# the regenerated files to the source branch.
#
# Usage: .gitlab/publish.sh PAYLOAD   (BERTH_GITLAB_TOKEN, CI_* from the job's environment)
set -euo pipefail

# Git here takes no configuration from the environment, as Berth's own git does
# (generator/repo/git_env.py): no GIT_* variable, no global or system file, no fsmonitor or hook.
# The job refused unexpected variables already (.gitlab/check_variables.py); this holds even
# for the runner's own clone settings.
while IFS= read -r name; do
  unset "$name"
done < <(compgen -e | grep '^GIT_' || true)
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0 GIT_NO_REPLACE_OBJECTS=1
git() { command git -c core.fsmonitor=false -c core.hooksPath=/dev/null "$@"; }

payload=$1
berth="$CI_PROJECT_DIR/.venv/bin/berth"
python="$CI_PROJECT_DIR/.venv/bin/python"
message=${BERTH_COMMIT_MESSAGE:-"berth: regenerate the generated files"}

if [ -z "${BERTH_GITLAB_TOKEN:-}" ]; then
  echo "BERTH_GITLAB_TOKEN is not available: it must be a protected variable and this pipeline"
  echo "must run on the protected default branch."
  exit 1
fi

info=$(mktemp)
status=0
"$python" -I .gitlab/berth_event.py merge-request "$payload" >"$info" || status=$?
if [ "$status" -eq 3 ]; then
  echo "The payload names no open merge request: nothing to publish."
  exit 0
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi
field() { sed -n "s/^$1=//p" "$info"; }
iid=$(field iid)
sha=$(field sha)
source_branch=$(field source_branch)
target_branch=$(field target_branch)
same_project=$(field same_project)
echo "Merge request !$iid at $sha ($source_branch -> $target_branch, same project: $same_project)"

# The merge request's head as data: refs/merge-requests/<iid>/head exists for forks too.
git fetch --quiet origin "+refs/merge-requests/$iid/head:refs/berth/merge-request" \
  "+refs/heads/$target_branch:refs/berth/target"
if [ "$(git rev-parse "refs/berth/merge-request^{commit}")" != "$sha" ]; then
  echo "The merge request moved on since GitLab reported $sha; the pipeline for its newer"
  echo "head publishes."
  exit 0
fi
base=$(git merge-base refs/berth/target "$sha")

# Refuse what must never reach a render: a tracked .berth/ (a forged render journal) and
# symbolic links anywhere in the tree.
if [ -n "$(git ls-tree -r --name-only "$sha" -- .berth)" ]; then
  echo "The merge request tracks files under .berth/; refusing to render it."
  exit 1
fi
if git ls-tree -r "$sha" | awk '$1 == "120000" { found = 1 } END { exit !found }'; then
  echo "The merge request contains symbolic links; refusing to render it."
  exit 1
fi

work=$(mktemp -d)/mr
git worktree add --quiet --detach "$work" "$sha"

# The default branch's Berth (installed before anything above was fetched) on the merge
# request's files: --root, never the merge request's generator.
"$berth" --root "$work" schema
"$berth" --root "$work" render || true  # invalid requests: the plan below reports them
"$berth" --root "$work" plan --base "$base" --format markdown --output "$work.plan.md" || true
CI_MERGE_REQUEST_IID=$iid "$berth" comment --file "$work.plan.md"

cd "$work"
if [ -z "$(git status --porcelain -- environments schemas CODEOWNERS catalog .github/ISSUE_TEMPLATE .gitlab/issue_templates)" ]; then
  echo "The merge request's generated files are current."
  exit 0
fi
if [ "$same_project" != "true" ]; then
  echo "A fork's branch is not ours to write: its author runs 'berth schema && berth render'."
  exit 0
fi
# A change to anything but the requests (the generator, blueprints, platform.yaml, CI) is the
# platform team's, rendered by them: the default branch's Berth might render it differently.
others=$(git diff --name-only "$base" "$sha" -- . ':!tenants' ':!environments' ':!schemas' ':!CODEOWNERS' ':!catalog')
if [ -n "$others" ]; then
  echo "The merge request changes more than tenant requests; not committing generated files."
  echo "Run 'berth schema && berth render' on the branch and push."
  exit 0
fi
if [ "$(git log -1 --format=%s)" = "$message" ]; then
  echo "The last commit already regenerated these files and rendering changed them again;"
  echo "refusing to push a second time (is the render deterministic?)."
  exit 1
fi
git add -A -- environments schemas CODEOWNERS catalog .github/ISSUE_TEMPLATE .gitlab/issue_templates
git -c user.name="berth" -c user.email="berth@noreply.${CI_SERVER_HOST}" \
  commit --quiet -m "$message"
# The token reaches git through a credential helper reading the environment: never on a
# command line or in .git/config. A branch that moved meanwhile rejects the push (not a
# fast-forward); its newer head gets its own publish run.
# shellcheck disable=SC2016 # single quotes on purpose: git's shell expands the variable
git -c credential.helper='!f() { test "$1" = get && echo username=oauth2 && echo "password=$BERTH_GITLAB_TOKEN"; }; f' \
  push "$CI_PROJECT_URL.git" "HEAD:refs/heads/$source_branch"
