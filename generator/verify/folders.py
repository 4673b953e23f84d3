"""What verify asks of a repository's folders, each asked once a run.

The tree does not change while verify reads it, and thousands of Applications read the same
chart folder: whether a source path is a folder, what Argo CD discovers in it, its
`.argocd-source*` files and where its symbolic links lead are worked out once per folder.
"""

from __future__ import annotations

import os
import posixpath

KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def kustomization_file(root: str, path: str) -> str:
    """The repository path of the kustomization in folder `path`, the one kustomize reads."""
    name = next(
        (k for k in KUSTOMIZATIONS if os.path.isfile(os.path.join(root, path, k))),
        KUSTOMIZATIONS[0],
    )
    return posixpath.join(path, name)


class Folders:
    """The folder facts of one repository, for one run. (Resolving a path component by
    component costs more than parsing a small helm build's output.)"""

    def __init__(self, root: str) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self._kinds: dict[str, str | None] = {}
        self._argocd: dict[str, list[str]] = {}
        self._real: dict[str, str] = {}

    def real_inside(self, rel: str) -> bool:
        """Whether `rel`, symbolic links resolved, stays inside the repository."""
        real = self._realpath(os.path.join(self.root, rel))
        return real == self.real_root or real.startswith(self.real_root + os.sep)

    def _realpath(self, path: str) -> str:
        # os.path.realpath component by component, with each folder's answer kept: the files of
        # one folder (a tenant's values files, a directory source's manifests) share it.
        if path not in self._real:
            parent, name = os.path.split(path)
            if name in ("", ".", "..") or parent == path or os.path.islink(path):
                self._real[path] = os.path.realpath(path)
            else:
                self._real[path] = os.path.join(self._realpath(parent), name)
        return self._real[path]

    def discovered(self, path: str) -> str | None:
        """The source type Argo CD discovers in folder `path`; None if it is no folder."""
        if path not in self._kinds:
            folder = os.path.join(self.root, path)
            kind = None
            if os.path.isdir(folder):
                # Argo CD: a kustomization wins over a Chart.yaml; neither is a directory.
                if any(os.path.isfile(os.path.join(folder, k)) for k in KUSTOMIZATIONS):
                    kind = "kustomize"
                elif os.path.isfile(os.path.join(folder, "Chart.yaml")):
                    kind = "helm"
                else:
                    kind = "directory"
            self._kinds[path] = kind
        return self._kinds[path]

    def argocd_source_files(self, path: str) -> list[str]:
        """`.argocd-source*` files in a source folder: Argo CD merges them into the parameters."""
        if path not in self._argocd:
            self._argocd[path] = [
                posixpath.join(path, name)
                for name in sorted(os.listdir(os.path.join(self.root, path)))
                if name.startswith(".argocd-source")
            ]
        return self._argocd[path]
