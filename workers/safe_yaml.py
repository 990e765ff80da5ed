"""YAML and JSON from users, read at a bounded cost: size, nesting depth and alias expansion all capped.

`yaml.safe_load` composes nested collections recursively (10,000 levels: a RecursionError after tens of
seconds) and builds aliases as shared objects, so a 1 KB "billion laughs" file becomes a structure of 10^9
values the moment anything walks or prints it. Here:

- the text is refused over `max_chars`;
- the nesting depth is measured on the parser's event stream (flat, no recursion) before anything is
  composed, and refused over `max_depth`;
- the composed node graph's size *with every alias expanded* is counted (each node once, memoised, no
  recursion) and refused over `max_nodes`.

JSON gets the same size and depth limits (its depth is counted by a flat scan, since `json.loads` recurses
too). Every refusal is `DocumentTooComplex`, a ValueError whose message says which limit and how to fix it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

MAX_CHARS = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_MESSAGE_CHARS = 2000

_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class DocumentTooComplex(ValueError):
    """The document is over a size, depth or alias-expansion limit."""


def bounded_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    left = len(text) - limit
    return text[:limit] + f"… and {left:,} more characters"


def _check_size(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise DocumentTooComplex(
            f"the document has {len(text):,} characters, more than the {max_chars:,} allowed; "
            "it should fit on a few pages."
        )


def _too_deep(max_depth: int, line: int | None = None) -> DocumentTooComplex:
    at = f" (at line {line + 1})" if line is not None else ""
    return DocumentTooComplex(
        f"the document nests more than {max_depth} levels deep{at}; no valid file is nested nearly that deep."
    )


def check_yaml_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse YAML nested deeper than `max_depth`, from the parser's flat event stream."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                mark = event.start_mark
                raise _too_deep(max_depth, mark.line if mark is not None else None)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def expanded_size(root: yaml.Node | None) -> int:
    """How many nodes the graph holds once every alias is expanded (a shared node counts each time it is
    reached), computed once per node with no recursion. Depth was checked, so the graph has no cycle of
    unbounded length; a cycle (a recursive alias) counts as too large."""
    if root is None:
        return 0
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in sizes:
            stack.pop()
            continue
        children = _children(node)
        pending = [child for child in children if id(child) not in sizes]
        if pending and key not in in_progress:
            in_progress.add(key)
            for child in pending:
                if id(child) in in_progress:  # an alias to an enclosing node: infinite when expanded
                    return MAX_NODES * 1000
                stack.append(child)
            continue
        if pending:  # visited once and still waiting: only a cycle can cause this
            return MAX_NODES * 1000
        in_progress.discard(key)
        sizes[key] = min(1 + sum(sizes[id(child)] for child in children), MAX_NODES * 1000)
        stack.pop()
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml(
    text: str, *, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES
) -> Any:
    """`yaml.safe_load(text)` within the limits; `DocumentTooComplex` or `yaml.YAMLError` otherwise."""
    _check_size(text, max_chars)
    check_yaml_depth(text, max_depth)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None and expanded_size(node) > max_nodes:
            raise DocumentTooComplex(
                f"the document expands to more than {max_nodes:,} values through its aliases (*name); "
                "write the values out instead of repeating anchors inside anchors."
            )
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def check_json_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    depth = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                raise _too_deep(max_depth, text.count("\n", 0, match.start()))
        elif token in "]}":
            depth -= 1


def load_json(text: str, *, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads(text)` within the size and depth limits; `DocumentTooComplex` or JSONDecodeError."""
    _check_size(text, max_chars)
    check_json_depth(text, max_depth)
    return json.loads(text)
