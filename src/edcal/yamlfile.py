"""YAML text -> plain data and the line of every key, with PyYAML's C parser."""

from __future__ import annotations

from dataclasses import dataclass

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]


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
    """A YAML document that does not parse; `line` is 1-based in the parsed text."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_yaml(text: str, first_line: int = 1) -> Parsed:
    """Parse one YAML document; line numbers count from `first_line`.

    PyYAML's `load` drops positions, so we compose the node graph ourselves (still
    with the C parser) and construct the data from that same graph: one parse.
    """
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Parsed(None, None, first_line)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line if mark else 0) + first_line
        raise YamlSyntaxError(line, _describe(error)) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(first_line, str(error)) from None
    finally:
        loader.dispose()
    return Parsed(data, node, first_line)


def _describe(error: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (error.context, error.problem) if part]
    return "invalid YAML: " + ", ".join(parts) if parts else "invalid YAML"
