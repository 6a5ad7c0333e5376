"""YAML text -> plain data and the line of every key, with PyYAML's C parser."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
# The scalar tags whose SafeConstructor method depends on the node alone; merge keys
# (`<<`), `=` keys, sets, binary and every explicit tag are left to PyYAML itself.
_SCALARS: dict[str, Callable[[object, yaml.Node], object]] = {
    tag: SafeLoader.yaml_constructors[tag]
    for tag in (_TAG + "null", _TAG + "bool", _TAG + "int", _TAG + "float", _TAG + "timestamp")
}
_Resolvers = tuple[tuple[str, re.Pattern[str]], ...]
_WILDCARD: _Resolvers = tuple(SafeLoader.yaml_implicit_resolvers.get(None, []))
# PyYAML's implicit resolvers by first character, with the wildcard ones already appended.
_IMPLICIT: dict[str, _Resolvers] = {
    first: (*resolvers, *_WILDCARD)
    for first, resolvers in SafeLoader.yaml_implicit_resolvers.items()
    if first is not None
}


class _Loader(SafeLoader):
    """PyYAML's safe loader with the same tag resolution, minus its per-node overhead.

    The C parser calls `resolve`, `descend_resolver` and `ascend_resolver` in Python for
    every node. Without path resolvers (the safe loader has none) the last two do
    nothing and `resolve` reduces to the implicit resolvers, looked up here in one step.
    """

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in _IMPLICIT.get(value[:1], _WILDCARD):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


@dataclass(frozen=True)
class Parsed:
    """A parsed YAML document: its data, and its node graph to find any key's line."""

    data: object
    node: yaml.Node | None
    first_line: int = 1

    def line(self, *path: str | int, default: int = 1) -> int:
        """The 1-based line of the deepest key found along `path`.

        Lines are looked up on demand (only problems need them), so a clean file pays
        nothing beyond the parse itself.
        """
        found, node = default, self.node
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            key_node, node = child
            found = key_node.start_mark.line + self.first_line
        return found

    def key_lines(self) -> dict[str, int]:
        """The line of each top-level key."""
        if not isinstance(self.node, yaml.MappingNode):
            return {}
        return {str(key.value): key.start_mark.line + self.first_line for key, _ in self.node.value}


def _child(node: yaml.Node | None, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item: yaml.Node = node.value[part]
        return item, item
    return None


class YamlSyntaxError(Exception):
    """A YAML document that does not parse; `line` is 1-based in the parsed text.

    `hint` is set when the fix is known (an impossible date); else the caller's applies.
    """

    def __init__(self, line: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint


class _ImpossibleValue(Exception):
    """A scalar that YAML reads as a date or number that cannot exist (2026-02-30)."""

    def __init__(self, node: yaml.Node, error: Exception) -> None:
        super().__init__(str(error))
        self.node = node


def parse_yaml(text: str, first_line: int = 1) -> Parsed:
    """Parse one YAML document; line numbers count from `first_line`.

    PyYAML's `load` drops positions, so we compose the node graph ourselves (still
    with the C parser) and construct the data from that same graph: one parse.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Parsed(None, None, first_line)
        data = _construct(loader, node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line if mark else 0) + first_line
        raise YamlSyntaxError(line, _describe(error)) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(first_line, str(error)) from None
    except _ImpossibleValue as error:
        raise _impossible(error.node, str(error), first_line) from None
    except (ValueError, OverflowError) as error:  # the same, met by PyYAML's constructor
        raise YamlSyntaxError(first_line, f"impossible value: {error}", DATE_HINT) from None
    finally:
        loader.dispose()
    return Parsed(data, node, first_line)


class _Unusual(Exception):
    """A node that the quick construction leaves to PyYAML."""


def _construct(loader: _Loader, node: yaml.Node) -> object:
    """The data of `node`, exactly as `loader.construct_document(node)` gives it.

    PyYAML's constructor costs as much as the parse: it tracks every node for anchors
    and recursion, and defers each mapping and list through a generator. Front-matter
    is plain maps, lists and scalars, which `_plain` builds directly. Anything else (a
    list or mapping met twice through an alias, a merge key, an explicit tag, an error)
    goes to PyYAML, which then decides the data or the error exactly as before.
    """
    try:
        return _plain(loader, node, set())
    except _ImpossibleValue as impossible:
        # PyYAML may meet another error first (it builds keys before values); if not,
        # it fails on the same value, which we report where it is.
        try:
            return loader.construct_document(node)
        except (ValueError, OverflowError):
            raise impossible from None
    except Exception:  # PyYAML's own construction below raises its own error
        return loader.construct_document(node)


def _plain(loader: _Loader, node: yaml.Node, seen: set[int]) -> object:
    kind, tag = type(node), node.tag
    if kind is yaml.ScalarNode:
        # An aliased scalar is built twice: equal, immutable values either way.
        if tag == _STR:
            return node.value
        build = _SCALARS.get(tag)
        if build is None:
            raise _Unusual
        try:
            return build(loader, node)
        except (ValueError, OverflowError) as error:  # PyYAML lets these through bare
            raise _ImpossibleValue(node, error) from None
    if id(node) in seen:
        raise _Unusual  # an alias: PyYAML shares the one list or mapping (or its cycle)
    seen.add(id(node))
    if kind is yaml.MappingNode and tag == _MAP:
        data = {}
        for key_node, value_node in node.value:
            # A list or mapping as a key fails to hash here; PyYAML then reports it.
            data[_plain(loader, key_node, seen)] = _plain(loader, value_node, seen)
        return data
    if kind is yaml.SequenceNode and tag == _SEQ:
        return [_plain(loader, item, seen) for item in node.value]
    raise _Unusual


DATE_HINT = "write a date that exists, e.g. 2026-12-04T09:00:00+01:00, or quote the text"


def _impossible(node: yaml.Node, reason: str, first_line: int) -> YamlSyntaxError:
    what = "date" if node.tag == _TAG + "timestamp" else "value"
    return YamlSyntaxError(
        node.start_mark.line + first_line,
        f"{node.value!r} is not a possible {what} ({reason})",
        DATE_HINT if what == "date" else "quote it if it is meant as text",
    )


def _describe(error: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (error.context, error.problem) if part]
    return "invalid YAML: " + ", ".join(parts) if parts else "invalid YAML"
