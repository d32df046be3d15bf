"""Read a recap source: YAML parsed to plain data, with the line and column of every value."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from recap_mailer.errors import Diagnostic, SourceError, single_error
from recap_mailer.inputs import decode_utf8, read_input

#: A source larger than this is refused before parsing (a recap is a few tens of KB).
MAX_SOURCE_BYTES = 4 * 1024 * 1024

SOURCE_NAME = "recap.yaml"

Path_ = tuple[str | int, ...]

_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_PLAIN_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _NoImplicitResolver(yaml.resolver.BaseResolver):
    """Resolve nothing implicitly: we type plain scalars ourselves (no sexagesimal 9:30 == 570)."""

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        # With no implicit or path resolvers, what BaseResolver.resolve works out every time.
        return _DEFAULT_TAGS[kind]


_DEFAULT_TAGS = {
    yaml.ScalarNode: yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG,
    yaml.SequenceNode: yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    yaml.MappingNode: yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
}


class _Composer(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                yaml.composer.Composer, _NoImplicitResolver):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _NoImplicitResolver.__init__(self)


if yaml.__with_libyaml__:
    class _FastComposer(yaml.cyaml.CParser, _NoImplicitResolver):  # type: ignore[misc]
        """libyaml's parser (ten times faster); errors are re-read by the Python one."""

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            _NoImplicitResolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _FastComposer = _Composer  # type: ignore[misc,assignment]


#: How deep mappings and lists may nest; a recap needs a handful of levels.
MAX_DEPTH = 64


class _Lines:
    """Turn YAML's character offsets into the line and column an editor shows."""

    # YAML also breaks lines at U+0085, U+2028 and U+2029, which editors show inside a line:
    # its own line numbers would point past them.
    def __init__(self, text: str) -> None:
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def place(self, index: int) -> tuple[int, int]:
        """Return the 1-based (line, col) of the character at ``index``."""
        line = bisect.bisect_right(self._starts, index)
        return line, index - self._starts[line - 1] + 1


def _check_depth(text: str, path: str) -> None:
    """Refuse nesting past MAX_DEPTH before anything recursive (composing, building) runs."""
    parser = _FastComposer(text)
    depth = 0
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise single_error(path, f"the source is nested more than {MAX_DEPTH} "
                                             "levels deep; no recap needs that many",
                                       *_Lines(text).place(event.start_mark.index))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                return
    except yaml.YAMLError:
        return  # composing reports it, at its place
    finally:
        parser.dispose()


def _compose(text: str) -> yaml.Node | None:
    """Compose the YAML node tree; on bad YAML, raise the Python parser's clearer error."""
    try:
        return _FastComposer(text).get_single_node()
    except yaml.YAMLError:
        # The pure-Python parser words its errors better and marks the same place.
        return _Composer(text).get_single_node()


@dataclass(frozen=True)
class Source:
    """A parsed recap source: plain data plus where each piece stands in the file."""

    path: str
    text: str
    data: Any
    value_marks: dict[Path_, tuple[int, int]] = field(repr=False)
    key_marks: dict[Path_, tuple[int, int]] = field(repr=False)

    @property
    def directory(self) -> Path:
        """Return the campaign folder holding this source."""
        return Path(self.path).parent

    def mark(self, at: Path_, *, key: bool = False) -> tuple[int, int]:
        """Return the 1-based (line, col) of a value (or its key), falling back to its parents."""
        marks = self.key_marks if key else self.value_marks
        while True:
            if at in marks:
                return marks[at]
            if key and at in self.value_marks:
                return self.value_marks[at]
            if not at:
                return (1, 1)
            at = at[:-1]

    def diagnostic(self, at: Path_, severity: str, message: str, *,
                   key: bool = False) -> Diagnostic:
        """Build a diagnostic pointing at ``at``."""
        line, col = self.mark(at, key=key)
        return Diagnostic(self.path, line, col, severity, message)  # type: ignore[arg-type]


def format_path(at: Path_) -> str:
    """Render a data path the way a user reads it: ``sessions[2].speakers[0]``."""
    out = ""
    for part in at:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def read_source(path: Path) -> Source:
    """Read and parse the recap source at ``path``."""
    data = read_input(path, "the recap source", MAX_SOURCE_BYTES, inside=path.parent)
    return parse_source(decode_utf8(data, path, "the recap source"), str(path))


def parse_source(text: str, path: str = SOURCE_NAME) -> Source:
    """Parse recap YAML text into plain data with marks; raise SourceError on bad YAML."""
    text = text.removeprefix("\ufeff")
    _check_depth(text, path)
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _Lines(text).place(mark.index) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SourceError([Diagnostic(path, line, col, "error", f"YAML: {problem}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: no mark, a position
        raise single_error(path, f"YAML: the character U+{exc.character:04X} is not allowed "
                                 "in a YAML file; remove it",
                           *_Lines(text).place(exc.position)) from None
    except yaml.YAMLError as exc:
        raise single_error(path, f"YAML: {str(exc).splitlines()[0]}", 1, 1) from None
    builder = _Builder(path, _Lines(text))
    data = builder.build(node, ()) if node is not None else None
    if builder.errors:
        raise SourceError(sorted(builder.errors))
    return Source(path, text, data, builder.value_marks, builder.key_marks)


class _Builder:
    """Turn a composed YAML node tree into plain Python values, recording marks."""

    def __init__(self, path: str, lines: _Lines) -> None:
        self.path = path
        self._place = lines.place
        self.value_marks: dict[Path_, tuple[int, int]] = {}
        self.key_marks: dict[Path_, tuple[int, int]] = {}
        self.errors: list[Diagnostic] = []
        self._seen: set[int] = set()

    def _error(self, node: yaml.Node, message: str) -> None:
        line, col = self._place(node.start_mark.index)
        self.errors.append(Diagnostic(self.path, line, col, "error", message))

    def build(self, node: yaml.Node, at: Path_) -> Any:
        # An alias reuses a node; expanding them is how "billion laughs" sources explode.
        if id(node) in self._seen:
            self._error(node, "YAML anchors and aliases are not supported; write the value out")
            return None
        self._seen.add(id(node))
        self.value_marks[at] = self._place(node.start_mark.index)
        if node.tag not in _PLAIN_TAGS:
            self._error(node, f"YAML tags such as {node.tag!r} are not allowed")
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._error(key_node, "a key must be plain text")
                    continue
                key = key_node.value
                if key in result:
                    self._error(key_node, f"duplicate key '{key}'")
                    continue
                self.key_marks[(*at, key)] = self._place(key_node.start_mark.index)
                result[key] = self.build(value_node, (*at, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*at, i)) for i, item in enumerate(node.value)]
        return _scalar(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    """Type a scalar the way YAML 1.2's core schema would, minus timestamps."""
    value = node.value
    if node.style:  # quoted or block scalars are always text (libyaml marks plain ones '')
        return value
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("", "~", "null"):
        return None
    try:
        if _INT.match(value):
            return int(value)
        if _FLOAT.match(value):
            return float(value)
    except ValueError:  # more digits than Python converts (4300): text, which checks refuse
        return value
    return value
