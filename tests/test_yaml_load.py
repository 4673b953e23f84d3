"""The strict request loader: what a request never needs is refused, with line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.yamlio.reader import MAX_FILE_BYTES, LoadError, load_request, parse_request


def load(text: str) -> dict[str, object]:
    return parse_request(text.encode(), "t.yaml").data


def error(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    with pytest.raises(LoadError) as caught:
        parse_request(raw, "t.yaml")
    return str(caught.value.problem)


def test_plain_scalars_follow_yaml_1_2_core_only() -> None:
    data = load("a: yes\nb: on\nc: 0123\nd: 1.4\ne: 12\nf: true\ng: ~\nh: 2024-01-01\ni: '1.4'\n")
    assert data == {
        "a": "yes",
        "b": "on",
        "c": 123,  # YAML 1.2 reads an int; a string field then asks for quotes
        "d": 1.4,
        "e": 12,
        "f": True,
        "g": None,
        "h": "2024-01-01",
        "i": "1.4",
    }


def test_positions_of_values_and_keys() -> None:
    doc = parse_request(b"spec:\n  owners: [alice,  bob]\n", "t.yaml")
    assert doc.values[("spec", "owners", 1)] == (2, 20)
    assert doc.keys[("spec", "owners")] == (2, 3)
    assert doc.where(("spec", "owners", 7)) == (2, 11)  # nearest existing ancestor


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "t.yaml:2:1: duplicate key 'a' (first defined on line 1)"),
        (
            "a: &x 1\nb: *x\n",
            "t.yaml:1:4: a: anchors (&name) are not allowed in requests; write the value out",
        ),
        (
            "a: !!str 1\n",
            "t.yaml:1:4: a: tags (tag:yaml.org,2002:str) are not allowed; quote the value instead",
        ),
        ("a: !Ref x\n", "t.yaml:1:4: a: tags (!Ref) are not allowed; quote the value instead"),
        ("<<: {a: 1}\n", "t.yaml:1:1: merge keys (<<) are not allowed in requests"),
        ("[1, 2]\n", "t.yaml:1:1: the document must be a mapping (key: value pairs)"),
        ("just text\n", "t.yaml:1:1: the document must be a mapping (key: value pairs)"),
        (
            "a: 1\n---\nb: 2\n",
            "t.yaml:2:1: holds more than one YAML document; put one request per file",
        ),
        ("", "t.yaml:1:1: is empty; expected a mapping"),
        ("? [a, b]\n: 1\n", "t.yaml:1:3: keys must be plain strings"),
        ("a: " + "[" * 30 + "]" * 30 + "\n", "nesting deeper than 24 levels"),
    ],
)
def test_refused(text: str, expected: str) -> None:
    assert expected in error(text)


def test_alias_bomb_is_refused_before_expansion() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(8)
    )
    assert "anchors (&name) are not allowed" in error(bomb)


def test_non_utf8_is_refused_with_position() -> None:
    assert error(b"a: 1\nb: caf\xe9\n") == "t.yaml:2:7: is not valid UTF-8 text"


def test_control_characters_are_refused() -> None:
    assert error("a: \x07\n") == (
        "t.yaml:1:4: holds the control character U+0007; a request is plain UTF-8 text: remove it"
    )


def test_control_character_column_counts_characters_not_bytes() -> None:
    # libyaml reports the byte offset; the column must count the characters before it.
    assert error("a: \u00e9\u00e9\x01\n").startswith("t.yaml:1:6: ")


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        ("a: 1\n".encode("utf-16-le"), "is UTF-16 text without a byte order mark"),
        ("a: 1\n".encode("utf-16-be"), "is UTF-16 text without a byte order mark"),
        ("a: 1\n".encode("utf-16"), "is UTF-16 text (it starts with a byte order mark)"),
        ("a: 1\n".encode("utf-32"), "is UTF-32 text (it starts with a byte order mark)"),
    ],
)
def test_utf16_is_named_on_one_line(raw: bytes, said: str) -> None:
    message = error(raw)
    assert message.startswith(f"t.yaml:1:1: {said}")
    assert "; save the file as UTF-8" in message
    assert "\n" not in message


def test_a_nul_in_utf8_text_is_not_taken_for_utf16() -> None:
    assert "control character U+0000" in error(b"apiVersion: v1\nkind: T\x00\n")


@pytest.mark.parametrize("quote", ['"', "'"])
def test_an_unclosed_quote_points_at_where_it_opens(quote: str) -> None:
    text = f"a: 1\nb: {quote}open\nc: 2\n"
    assert error(text) == (
        f"t.yaml:2:4: the string opened with {quote} here is never closed; add the closing"
        f" {quote} at the end of the value (or remove the opening one)"
    )


def test_a_tab_in_indentation_is_named() -> None:
    assert error("a:\n\tb: 1\n") == (
        "t.yaml:2:1: a tab character; YAML indents with spaces only: replace the tab with spaces"
    )


def test_symlinks_and_oversized_files_are_refused(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("a: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    with pytest.raises(LoadError, match="symbolic link"):
        load_request(str(link), "link.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(LoadError, match="a request may be at most"):
        load_request(str(big), "big.yaml")


def test_byte_order_mark_is_accepted() -> None:
    assert parse_request(b"\xef\xbb\xbfa: 1\n", "t.yaml").data == {"a": 1}
