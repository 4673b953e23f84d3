"""IBM's network-config-analyzer (`nca`): one connectivity map of a modelled cluster.

`nca --connectivity` reads NetworkPolicies, namespaces and pods and answers, for every pair of
endpoints (a pod, or a range of addresses outside the pod network), which connections the
policies allow. With `-o txt_no_fw_rules` it prints one line per pair and set of
connections, `src => dst : conn`, which is what `flows` checks against the requests; the
analyzer runs once per cluster, however many flows are checked.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from generator.problems import UsageError

INSTALL_HINT = "pip install network-config-analyzer (or .ci/install-tools --flows)"
TIMEOUT = 3600  # seconds; a cluster of thousands of namespaces takes minutes, not hours

_LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<conn>.+)$")
_CONN = re.compile(
    r"^\{protocols:(?P<protocols>[A-Za-z, ]+?)(?:,dst_ports:(?P<ports>[0-9,-]+))?\}$"
)
ALL = "All connections"
IpRange = tuple[int, int, int]  # IP version, first and last address as integers


@dataclass(frozen=True)
class Conn:
    """One set of allowed connections: these protocols to these ports (None: every port);
    `protocols` None: everything."""

    protocols: frozenset[str] | None
    ports: tuple[tuple[int, int], ...] | None

    def allows(self, protocol: str, port: int) -> bool:
        if self.protocols is not None and protocol not in self.protocols:
            return False
        return self.ports is None or any(lo <= port <= hi for lo, hi in self.ports)

    def within(self, ports: Sequence[int]) -> bool:
        """Nothing but TCP to some of `ports`."""
        if self.protocols != frozenset({"TCP"}) or self.ports is None:
            return False
        allowed = frozenset(ports)
        return all(
            hi - lo < len(allowed) and all(p in allowed for p in range(lo, hi + 1))
            for lo, hi in self.ports
        )

    def __str__(self) -> str:
        if self.protocols is None:
            return "all connections"
        ports = (
            "every port"
            if self.ports is None
            else ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in self.ports)
        )
        return f"{'/'.join(sorted(self.protocols))} {ports}"


def allows(conns: Sequence[Conn], protocol: str, port: int) -> bool:
    """Whether any of the connections lets `protocol` through to `port`."""
    return any(conn.allows(protocol, port) for conn in conns)


class AnalyzerError(Exception):
    """nca failed or printed what this reader does not understand."""


def find_nca() -> str | None:
    """`nca` on PATH or next to this Python (a virtualenv's bin, not always on PATH)."""
    found = shutil.which("nca") or shutil.which("nca", path=os.path.dirname(sys.executable))
    return found


def require_nca(strict: bool) -> str | None:
    """The analyzer, or None where it may be missing; when `strict` (in CI) a missing one is
    an error."""
    found = find_nca()
    if found is None and strict:
        raise UsageError(f"nca (network-config-analyzer) not found; install with {INSTALL_HINT}")
    return found


def parse_conn(text: str) -> Conn:
    if text == ALL:
        return Conn(None, None)
    match = _CONN.match(text)
    if match is None:
        raise AnalyzerError(f"nca printed a connection this reader does not know: {text!r}")
    protocols = frozenset(p.strip() for p in match["protocols"].split(","))
    ports = None
    if match["ports"]:
        ports = tuple(
            (int(lo), int(hi or lo))
            for lo, _, hi in (part.partition("-") for part in match["ports"].split(","))
        )
    return Conn(protocols, ports)


@functools.lru_cache(maxsize=65536)
def parse_range(text: str) -> IpRange | None:
    """An address endpoint (`10.0.0.1`, `10.0.0.0-10.0.0.255`), or None for a pod; kept by
    text, as every run's map names the same pods and ranges many times."""
    first, _, last = text.partition("-")
    try:
        lo = ipaddress.ip_address(first)
        hi = ipaddress.ip_address(last) if last else lo
    except ValueError:
        return None
    return (lo.version, int(lo), int(hi))


Pairs = dict[tuple[str, str], list[Conn]]
Network_ = ipaddress.IPv4Network | ipaddress.IPv6Network
Grant = tuple[Network_, tuple[int, ...]]  # addresses and the TCP ports allowed there


def covered(ranges: Sequence[IpRange], network: Network_) -> bool:
    """Whether the address ranges together hold all of `network`."""
    want_lo, want_hi = int(network.network_address), int(network.broadcast_address)
    reach = want_lo
    for version, lo, hi in sorted(ranges):
        if version != network.version or hi < reach:
            continue
        if lo > reach:
            return False
        reach = hi + 1
        if reach > want_hi:
            return True
    return reach > want_hi


def inside(endpoint: IpRange, grants: Sequence[Grant], conn: Conn) -> bool:
    """A connection to an address range that the grants allow in full."""
    if conn.protocols != frozenset({"TCP"}) or conn.ports is None:
        return False
    version, lo, hi = endpoint
    holding = [
        ports
        for network, ports in grants
        if network.version == version
        and int(network.network_address) <= lo
        and hi <= int(network.broadcast_address)
    ]
    return all(
        hi_port - lo_port < 65536
        and all(any(p in ports for ports in holding) for p in range(lo_port, hi_port + 1))
        for lo_port, hi_port in conn.ports
    )


def parse_map(text: str) -> Pairs:
    """Every `src => dst : conn` line of a txt_no_fw_rules connectivity map."""
    pairs: Pairs = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        pairs.setdefault((match["src"], match["dst"]), []).append(parse_conn(match["conn"]))
    return pairs


def pod_endpoint(namespace: str, name: str) -> str:
    """How the map names a pod."""
    return f"{namespace}/{name}[Pod]"


@dataclass(frozen=True)
class Cost:
    wall: float  # seconds
    user: float  # CPU seconds of the analyzer


_FLAGS = ("--output_format", "txt_no_fw_rules", "--print_ipv6")


class TextStore(Protocol):
    """Where an analyzer map is kept by the digest of all it was made from (cache.BuildCache)."""

    def recall_text(self, parts: Sequence[str]) -> str | None: ...

    def remember_text(self, parts: Sequence[str], text: str) -> None: ...

    def text_key(self, parts: Sequence[str]) -> str:
        """The name a text made from `parts` is kept under."""
        ...

    def keep(self, key: str) -> None:
        """Keep what is kept under `key` (if anything) through the run's clean-up, though
        this run did not read it."""
        ...

    def folder_digest(self, rel: str) -> str | None:
        """The digest of a repository folder's tree (None: it cannot be told soundly)."""
        ...


@dataclass(frozen=True)
class Memo:
    store: TextStore
    identity: str  # what `nca --version` prints: a map is the analyzer's, not only its input's


def analyzer_identity(nca: str) -> str:
    """The analyzer's version line, for the key of the maps a verify cache keeps."""
    try:
        done = subprocess.run([nca, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise AnalyzerError(f"nca --version failed: {exc}") from exc
    if done.returncode != 0 or not done.stdout.strip():
        raise AnalyzerError(f"nca --version failed (exit {done.returncode})")
    return done.stdout.strip()


def analyzer_input(
    namespaces: Sequence[Mapping[str, Any]],
    pods: Sequence[Mapping[str, Any]],
    policies: Sequence[Mapping[str, Any]],
) -> dict[str, str]:
    """The analyzer's input files by name, the same bytes for the same cluster."""
    lists = {
        "namespaces.json": ("v1", "NamespaceList", namespaces),
        "pods.json": ("v1", "PodList", pods),
        "policies.json": ("networking.k8s.io/v1", "NetworkPolicyList", policies),
    }
    # The builds end in any order: sorted items make the same cluster the same bytes, which a
    # memo's key is made of (the analyzer's map does not depend on the order). Each item is
    # written once, and its text is what it is sorted by. JSON is YAML, and far quicker to
    # write for thousands of objects.
    texts = {}
    for name, (api, kind, items) in lists.items():
        written = sorted(json.dumps(item, sort_keys=True) for item in items)
        texts[name] = (
            f'{{"apiVersion": {json.dumps(api)}, "items": [{", ".join(written)}],'
            f' "kind": {json.dumps(kind)}}}'
        )
    return texts


def map_parts(identity: str, texts: Mapping[str, str]) -> list[str]:
    """What a map is made from: the analyzer, its flags and its input."""
    return [identity, *_FLAGS, *(f"{name}\n{text}" for name, text in texts.items())]


def connectivity(
    nca: str,
    namespaces: Sequence[Mapping[str, Any]],
    pods: Sequence[Mapping[str, Any]],
    policies: Sequence[Mapping[str, Any]],
    memo: Memo | None = None,
) -> tuple[Pairs, Cost]:
    """The analyzer's map of what `policies` allow between `pods` (and addresses outside).
    With a `memo`, a map made before from the same bytes by the same analyzer is reused."""
    return map_of(nca, analyzer_input(namespaces, pods, policies), memo)


def map_of(nca: str, texts: Mapping[str, str], memo: Memo | None = None) -> tuple[Pairs, Cost]:
    """The analyzer's map of its input files (`analyzer_input`), or the memo's."""
    parts = map_parts(memo.identity, texts) if memo else []
    known = memo.store.recall_text(parts) if memo else None
    if known is not None:
        return parse_map(known), Cost(0.0, 0.0)
    with tempfile.TemporaryDirectory(prefix="berth-nca-") as tmp:
        for name, text in texts.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        args = [
            nca,
            "--connectivity", os.path.join(tmp, "policies.json"),
            "--ns_list", os.path.join(tmp, "namespaces.json"),
            "--pod_list", os.path.join(tmp, "pods.json"),
            *_FLAGS,
        ]  # fmt: skip
        code, out, err, cost = _run(args, tmp)
    if code != 0 or " => " not in out:
        tail = (err or out).strip().splitlines()[-5:]
        raise AnalyzerError(f"nca failed (exit {code}): {' | '.join(tail)}")
    pairs = parse_map(out)
    if memo:
        memo.store.remember_text(parts, out)
    return pairs, cost


def _run(args: Sequence[str], tmp: str) -> tuple[int, str, str, Cost]:
    """Exit code, output, errors and cost of one analyzer run. The output goes to files, and
    the process is reaped with wait4, whose resource usage is this process's alone (other runs
    may end in other threads meanwhile)."""
    out_path, err_path = os.path.join(tmp, "out.txt"), os.path.join(tmp, "err.txt")
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=tmp)
    timer = threading.Timer(TIMEOUT, proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait again
    cost = Cost(time.monotonic() - start, usage.ru_utime)
    if proc.returncode < 0 and cost.wall >= TIMEOUT:  # killed by the timer
        raise AnalyzerError(f"nca took more than {TIMEOUT} s")
    with open(out_path, encoding="utf-8") as out, open(err_path, encoding="utf-8") as err:
        return proc.returncode, out.read(), err.read(), cost
