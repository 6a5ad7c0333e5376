"""parse_yaml: the same data and errors as PyYAML's safe loader, plus each key's line."""

from __future__ import annotations

from datetime import date

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from edcal.yamlfile import SafeLoader, YamlSyntaxError, _describe, _Loader, parse_yaml

# Spellings that exercise every implicit tag, explicit tags, anchors, merge keys, `=`
# keys, unhashable keys, impossible dates and flow collections.
SCALARS = [
    *("yes", "No", "on", "OFF", "true", "False", "y", "n"),
    *("0", "-0", "+12", "1_000", "0b101", "0o17", "017", "0x1F", "-0x1f", "1:30", "190:20:30"),
    *("1.5", "-1.5e+3", "1e3", ".5", "1.", "6.8523015e+5", "1:30.5", ".inf", "-.INF", ".NaN"),
    *("~", "null", "Null", "NULL", "", "=", "<<"),
    *("2026-12-04", "2026-12-04T09:00:00+01:00", "2026-12-04 09:00:00", "2026-1-4 9:00:00Z"),
    *("2026-12-04T09:00:00.123456789-05:30", "2026-13-45", "2026-02-30T09:00:00"),
    *("'quoted'", '"double \\u00e9"', "'2026-12-04'", "plain text", "café", "'a: b'", "x-y"),
    *("!!str 12", "!!int '7'", "!!int x", "!!float 1", "!!bool yes", "!!null ''", "! 12"),
    *("!!binary aGk=", "!!binary '@@'", "!!set {a, b}", "!!omap [{a: 1}, {b: 2}]"),
    *("!!pairs [{a: 1}]", "!!timestamp 2026-12-04", "!!python/name:os.system", "!local x"),
    *("!!map {a: 1}", "!!seq [1]", "!!str [1]", "!!map x", "!!merge x", "!!value x"),
    *("&a 1", "*a", "&b [1, 2]", "*b", "&c {k: v}", "*c", "&a 2", "'Q&A'"),
    *("[1, [2, {a: b}]]", "{x: 1, x: 2}", "{[a]: 1}", "{{a: b}: c}", "{1: a, 1.0: b, true: c}"),
]
BROKEN = ["[a, b", "{a: 1", "'open", "@x", "`x", "%x", "\t", "a: b", "- x"]
KEYS = ["id", "date", "status", "channels", "<<", "=", "? [a]\n", "1", "~", "1.0", "true"]


@st.composite
def documents(draw: st.DrawFn, indent: str = "", depth: int = 0) -> str:
    """A front-matter-like YAML text: mostly valid, now and then not."""
    lines = []
    for _ in range(draw(st.integers(0 if depth else 1, 5))):
        key = draw(st.sampled_from(KEYS) | st.text("abc_ é", min_size=1, max_size=4))
        shape = draw(st.integers(0, 9))
        if shape == 0 and depth < 2:
            nested = draw(documents(indent + "  ", depth + 1))  # type: ignore[call-arg]
            lines.append(f"{indent}{key}:\n{nested}")
        elif shape == 1:
            items = draw(st.lists(st.sampled_from(SCALARS), max_size=3))
            lines.append(f"{indent}{key}:" + "".join(f"\n{indent}  - {i}" for i in items))
        elif shape == 2:
            items = draw(st.lists(st.sampled_from(SCALARS), max_size=3))
            lines.append(f"{indent}{key}: [{', '.join(items)}]")
        elif shape == 3:
            lines.append(f"{indent}{key}: {draw(st.sampled_from(BROKEN))}")
        else:
            lines.append(f"{indent}{key}: {draw(st.sampled_from(SCALARS))}")
    return "".join(line + "\n" for line in lines)


def pyyaml(text: str) -> str:
    """What PyYAML's safe loader gives, as parse_yaml would report it."""
    try:
        # repr tells 1 from 1.0 and True, naive from aware, and keeps NaN equal to itself.
        return repr(yaml.load(text, Loader=SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return f"line {(mark.line if mark else 0) + 1}: {_describe(error)}"
    except yaml.YAMLError as error:
        return f"line 1: {error}"
    except (ValueError, OverflowError) as error:  # e.g. a date with month 13
        return f"impossible: {error}"


def ours(text: str) -> str:
    try:
        return repr(parse_yaml(text).data)
    except YamlSyntaxError as error:
        if error.hint:  # where PyYAML raises a bare ValueError, we say where and why
            reason = error.message.rsplit(" (", 1)[-1].removesuffix(")")
            return f"impossible: {reason.removeprefix('impossible value: ')}"
        return f"line {error.line}: {error.message}"


@settings(max_examples=800, deadline=None)
@given(text=documents())
def test_same_data_and_errors_as_pyyaml(text: str) -> None:
    assert ours(text) == pyyaml(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_same_data_and_errors_as_pyyaml_for_any_text(text: str) -> None:
    assert ours(text) == pyyaml(text)


@given(
    value=st.sampled_from(SCALARS) | st.text(max_size=20),
    implicit=st.tuples(st.booleans(), st.booleans()),
)
def test_tags_resolve_as_in_pyyaml(value: str, implicit: tuple[bool, bool]) -> None:
    standard = SafeLoader("")
    quick = _Loader("")
    for kind in (yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode):
        assert quick.resolve(kind, value, implicit) == standard.resolve(kind, value, implicit)
    standard.dispose()
    quick.dispose()


def test_the_safe_loader_has_no_path_resolvers() -> None:
    # _Loader skips descend_resolver and ascend_resolver, which only serve path resolvers.
    assert not SafeLoader.yaml_path_resolvers


def test_an_alias_is_the_same_object_as_its_anchor() -> None:
    data = parse_yaml("a: &x [1]\nb: *x\n").data
    assert isinstance(data, dict)
    assert data["a"] is data["b"]


def test_a_list_holding_itself_is_built_as_pyyaml_builds_it() -> None:
    data = parse_yaml("a: &x [1, *x]\n").data
    assert isinstance(data, dict)
    assert data["a"][1] is data["a"]


def test_an_aliased_scalar_has_the_anchors_value() -> None:
    assert parse_yaml("a: &x 2026-12-04\nb: *x\nc: Q&A\n").data == {
        "a": date(2026, 12, 4),
        "b": date(2026, 12, 4),
        "c": "Q&A",
    }


def test_an_error_in_a_value_reports_its_line() -> None:
    try:
        parse_yaml("id: a\nchannels: [x\n", first_line=2)
    except YamlSyntaxError as error:
        assert error.line >= 3
    else:
        raise AssertionError("no error")


def test_an_impossible_date_is_an_error_on_its_line_not_a_crash() -> None:
    for text, line in (("id: a\ndate: 2026-13-45\n", 3), ("a: [1, 2026-02-30 09:00:00]\n", 2)):
        try:
            parse_yaml(text, first_line=2)
        except YamlSyntaxError as error:
            assert error.line == line
            assert "is not a possible date" in error.message
            assert error.hint.startswith("write a date that exists")
        else:
            raise AssertionError(f"no error for {text!r}")


def test_lines_of_keys_and_nested_keys() -> None:
    parsed = parse_yaml("id: a\nmedia:\n  - path: p.png\n    alt: x\n", first_line=2)
    assert parsed.key_lines() == {"id": 2, "media": 3}
    assert parsed.line("media", 0) == 4
    assert parsed.line("media", 0, "alt") == 5
    assert parsed.line("nothing") == 1


def test_merge_keys_are_merged_and_their_lines_kept() -> None:
    parsed = parse_yaml("base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n")
    assert parsed.data == {"base": {"x": 1}, "item": {"x": 1, "y": 2}}
    assert parsed.line("item", "y") == 4
