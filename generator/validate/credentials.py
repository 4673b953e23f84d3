"""Spotting credentials written where a secret reference belongs.

Heuristics, tuned to miss little and to leave ordinary configuration alone: a variable whose
name says it holds a credential must not have a literal value; a value must not look like
one (a URL with a password, a private key, a well-known token format, `password=...`, or a
long random-looking string). Hex strings (commit ids, UUIDs) are not flagged: they are common
in configuration and rarely secret.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# Names that end in a credential word (`DB_PASSWORD`, `GITHUB_TOKEN`, `STRIPE_SECRET_KEY`).
_SENSITIVE_NAME = re.compile(
    r"(?:^|_)(?:PASSWORD|PASSWD|PASSPHRASE|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|SECRET_?KEY"
    r"|PRIVATE_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|CREDENTIALS?)$",
    re.IGNORECASE,
)
_NOT_SENSITIVE = frozenset({"PWD"})  # the shell's working directory

_VALUE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@"), "a URL with a password"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (
        re.compile(
            r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}"
            r"|xox[abposr]-[A-Za-z0-9-]{10,}|(?:AKIA|ASIA)[0-9A-Z]{16}|[sr]k_live_[A-Za-z0-9]{10,}"
            r"|sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35})"
        ),
        "an access token",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), "a JWT"),
    (
        re.compile(
            r"(?i)\b(?:password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*[^\s;&,'\"]{3,}"
        ),
        "a password or token assignment",
    ),
)
_CANDIDATE = re.compile(r"[A-Za-z0-9+/=_-]{20,}")
_HEX = re.compile(r"[0-9a-fA-F-]+")
MIN_ENTROPY = 3.7  # bits per character
# Random text splits into many short pieces at every change of case or kind (about 1.7
# characters each); CamelCase identifiers and words into longer ones (3 or more).
_PIECE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
MAX_PIECE = 2.5


def sensitive_name(name: str) -> bool:
    return name.upper() not in _NOT_SENSITIVE and _SENSITIVE_NAME.search(name) is not None


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def mean_piece(text: str) -> float:
    pieces = _PIECE.findall(text)
    return sum(map(len, pieces)) / len(pieces)


def credential_in(value: str) -> str | None:
    """What credential `value` seems to hold ("a private key", ...), or None."""
    for pattern, what in _VALUE_PATTERNS:
        if pattern.search(value):
            return what
    for candidate in _CANDIDATE.findall(value):
        if _HEX.fullmatch(candidate):
            continue
        classes = sum(
            any(test(c) for c in candidate) for test in (str.islower, str.isupper, str.isdigit)
        )
        if classes == 3 and mean_piece(candidate) < MAX_PIECE and entropy(candidate) >= MIN_ENTROPY:
            return "a random string (a key or token?)"
    return None
