"""Lists in messages as people write them: "shop and sitemap", "'dev', 'staging' or 'prod'",
never a Python list's repr (`['shop', 'sitemap']`)."""

from __future__ import annotations

from collections.abc import Iterable


def human_list(items: Iterable[object], last: str = "and", *, quote: bool = False) -> str:
    """`a`, `a and b`, `a, b and c` (`last`: the word before the last item); with `quote`,
    each item as `repr` of its text ('dev'), as a single name is quoted in messages."""
    words = [repr(str(i)) if quote else str(i) for i in items]
    if len(words) < 2:
        return "".join(words) or "none"
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
