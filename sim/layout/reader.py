"""Read a YAML file into plain Python data plus the line of every key.

The reader knows nothing about layouts: it turns a file into dicts, lists and scalars
(as PyYAML's ``SafeLoader`` would) and records, for every key path, the file and 1-based
line where that key or list item was written. Validators use the index to point at the
offending line; overlay files (``extends:``) can merge indexes of several files because
every entry carries its own file name.

Stricter than plain PyYAML: duplicate keys are errors instead of "last one wins", and a
file with more than one document is refused.
"""

from __future__ import annotations

import copy
import hashlib
import os
import stat
from collections.abc import Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.errors import LayoutError
from sim.limits import MAX_FILE_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES

KeyPath = tuple[Hashable, ...]
"""Keys and list indices from the document root, e.g. ``("buildings", "panum", "entrances", 0)``."""

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class Location(NamedTuple):
    """Where a key or list item was written."""

    file: str
    line: int


def dotted(path: Sequence[Hashable]) -> str:
    """Format a key path for messages: ``buildings.panum.entrances[1]``.

    Parameters
    ----------
    path
        Keys and list indices from the root.

    Returns
    -------
    str
        Keys joined by dots, list indices in brackets; keys that are not printable on one
        line are shown as Python string literals so that messages stay one line.
    """
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
            continue
        text = str(part)
        text = text if text.isprintable() else repr(text)
        out = f"{out}.{text}" if out else text
    return out


class LineIndex:
    """Maps key paths to the :class:`Location` where they were written.

    Parameters
    ----------
    entries
        Location of each key path. The root path ``()`` is normally present.

    Notes
    -----
    Lookups fall back to the nearest ancestor that has an entry, so a missing key is
    reported at the line of the mapping that should have held it.
    """

    def __init__(self, entries: Mapping[KeyPath, Location] | None = None) -> None:
        self._entries: dict[KeyPath, Location] = dict(entries or {})

    def locate(self, path: Sequence[Hashable]) -> Location | None:
        """Location of ``path``, or of its nearest ancestor that has one.

        Parameters
        ----------
        path
            Keys and list indices from the root.

        Returns
        -------
        Location or None
            ``None`` only when neither the path nor any ancestor is indexed.
        """
        key = tuple(path)
        for end in range(len(key), -1, -1):
            found = self._entries.get(key[:end])
            if found is not None:
                return found
        return None

    def line_of(self, path: Sequence[Hashable]) -> int | None:
        """1-based line of ``path`` (or of its nearest indexed ancestor), if known."""
        found = self.locate(path)
        return found.line if found else None

    def file_of(self, path: Sequence[Hashable]) -> str | None:
        """File that ``path`` (or its nearest indexed ancestor) was read from, if known."""
        found = self.locate(path)
        return found.file if found else None

    def overlay(self, other: LineIndex) -> LineIndex:
        """A new index with ``other``'s entries replacing this one's where both have them.

        Parameters
        ----------
        other
            Index of data merged over the data this index describes.

        Returns
        -------
        LineIndex
            The combined index; neither input is changed.
        """
        return LineIndex({**self._entries, **other._entries})

    def without(self, prefix: Sequence[Hashable]) -> LineIndex:
        """A new index without ``prefix`` and everything below it.

        Parameters
        ----------
        prefix
            Key path of a subtree that was removed or replaced in the data.

        Returns
        -------
        LineIndex
            The reduced index; this one is not changed.
        """
        cut = tuple(prefix)
        return LineIndex({p: loc for p, loc in self._entries.items() if p[: len(cut)] != cut})

    def items(self) -> Iterator[tuple[KeyPath, Location]]:
        """All ``(path, location)`` entries, in document order."""
        return iter(self._entries.items())

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"LineIndex({len(self._entries)} entries)"


def read_yaml(path: str | os.PathLike[str]) -> tuple[Any, LineIndex]:
    """Load a YAML file into plain data and a line index.

    Parameters
    ----------
    path
        The file to read (UTF-8, one YAML document).

    Returns
    -------
    data, lines
        The document as dicts, lists and scalars (``None`` for an empty file), and the
        location of every key and list item.

    Raises
    ------
    LayoutError
        If the file is missing or unreadable, is not valid YAML, holds several documents,
        or repeats a key within one mapping.
    """
    file = os.fspath(path)
    text = _read_text(file)
    key = (file, _digest(text))
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = parse_yaml(text, file)
        _PARSED[key] = parsed
        while len(_PARSED) > _PARSED_KEPT:
            del _PARSED[next(iter(_PARSED))]
    data, lines = parsed
    # Callers merge variants into their parents' data: each gets its own copy.
    return copy.deepcopy(data), lines


_PARSED: dict[tuple[str, bytes], tuple[Any, LineIndex]] = {}
"""Documents already parsed in this process, by file name and content digest.

A comparison or sweep loads the same few files for every run, and the pure-Python YAML
parser takes 0.3 s for the baseline (libyaml would take 0.02 s, but accepts some
documents PyYAML rejects, such as tabs between tokens, so the same file could pass on
one machine and fail on another). Keyed on the content, an edited file is parsed again;
only documents that parsed are kept.
"""
_PARSED_KEPT = 32


def parse_yaml(text: str, file: str) -> tuple[Any, LineIndex]:
    """Parse YAML text as :func:`read_yaml` does; ``file`` is only used in messages.

    Parameters
    ----------
    text
        The YAML document.
    file
        Name recorded in the line index and in errors.

    Returns
    -------
    data, lines
        As for :func:`read_yaml`.

    Raises
    ------
    LayoutError
        As for :func:`read_yaml`, except for file access.
    """
    try:
        # The loader checks for forbidden characters as soon as it is made.
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from exc
    try:
        root = loader.get_single_node()
        if root is None:
            return None, LineIndex({(): Location(file, 1)})
        _check_size(root, file)
        return _Builder(loader, file).build(root)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from exc
    except RecursionError:
        # PyYAML composes nodes recursively; only absurd nesting gets here.
        raise LayoutError(
            f"nesting too deep (expected at most {MAX_YAML_DEPTH} levels)", file=file
        ) from None
    finally:
        loader.dispose()


def file_digest(path: str | os.PathLike[str]) -> bytes:
    """A digest of the file's text (read as :func:`read_yaml` reads it)."""
    return _digest(_read_text(os.fspath(path)))


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8")).digest()


def _read_text(file: str) -> str:
    """The file's text, with errors a person can act on.

    Only regular files of at most :data:`~sim.limits.MAX_FILE_BYTES` are read: a FIFO
    would block forever and ``/dev/zero`` would never end.
    """
    try:
        info = os.stat(file)
        if stat.S_ISDIR(info.st_mode):
            raise LayoutError("unreadable: it is a directory, not a file", file=file)
        if not stat.S_ISREG(info.st_mode):
            raise LayoutError(
                "unreadable: not a regular file (a device, pipe or socket)", file=file
            )
        if info.st_size > MAX_FILE_BYTES:
            raise LayoutError(
                f"too large: {info.st_size:,} bytes (expected at most {MAX_FILE_BYTES:,})",
                file=file,
            )
        with Path(file).open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise LayoutError("file not found", file=file) from None
    except OSError as exc:
        raise LayoutError(f"unreadable: {exc.strerror or exc}", file=file) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise LayoutError(f"too large (expected at most {MAX_FILE_BYTES:,} bytes)", file=file)
    try:
        # utf-8-sig: editors on Windows like to start files with a byte-order mark.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise LayoutError("unreadable: not UTF-8 text", file=file, line=line) from exc


def _yaml_error(exc: yaml.YAMLError, text: str, file: str) -> LayoutError:
    """Turn a PyYAML error (a multi-line message) into a one-line LayoutError."""
    line: int | None = None
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = ", ".join(p for p in (exc.context, exc.problem) if p) or "cannot be parsed"
    elif isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        code = f"U+{char:04X}" if isinstance(char, int) else repr(char)
        what = f"{exc.reason} (character {code})"
    else:
        what = str(exc)
    return LayoutError("invalid YAML: " + " ".join(what.split()), file=file, line=line)


def _check_size(root: Node, file: str) -> None:
    """Refuse documents that would expand too far or nest too deep, before building them.

    Aliases make the composed node graph a DAG in which one node may be reached many
    times; a few hundred bytes ("billion laughs") can expand to billions of values. The
    expanded size is computed on the graph itself, each node once, so the check costs
    time in proportion to the file, not to its expansion.
    """
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    # Iterative post-order walk: the graph may be deeper than Python's recursion limit.
    stack: list[tuple[Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if isinstance(node, ScalarNode):
            sizes[key], depths[key] = 1, 0
            continue
        children = _children(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(c), 0) for c in children)
            depths[key] = 1 + max((depths.get(id(c), 0) for c in children), default=0)
            if sizes[key] > MAX_YAML_NODES:
                raise LayoutError(
                    f"too many values once aliases are expanded (more than "
                    f"{MAX_YAML_NODES:,}; an alias bomb?)",
                    file=file,
                    line=node.start_mark.line + 1,
                )
            if depths[key] > MAX_YAML_DEPTH:
                raise LayoutError(
                    f"nesting too deep (expected at most {MAX_YAML_DEPTH} levels)",
                    file=file,
                    line=node.start_mark.line + 1,
                )
            continue
        if key in sizes or key in on_path:
            # Already measured, or an alias to an enclosing node (the builder reports it).
            continue
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _children(node: Node) -> list[Node]:
    """The nodes directly inside a mapping (keys and values) or a list."""
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


class _Builder:
    """Walks a composed YAML node tree, building plain data and recording lines."""

    def __init__(self, loader: yaml.SafeLoader, file: str) -> None:
        self._loader = loader
        self._file = file
        self._lines: dict[KeyPath, Location] = {}
        # Node ids on the current path: an alias to an enclosing node would recurse forever.
        self._open: set[int] = set()

    def build(self, root: Node) -> tuple[Any, LineIndex]:
        """Data and line index of the document rooted at ``root``."""
        self._lines[()] = self._loc(root)
        return self._value(root, ()), LineIndex(self._lines)

    def _loc(self, node: Node) -> Location:
        return Location(self._file, node.start_mark.line + 1)

    def _fail(self, node: Node, path: KeyPath, message: str) -> LayoutError:
        loc = self._loc(node)
        return LayoutError(message, file=loc.file, line=loc.line, path=dotted(path) or None)

    def _value(self, node: Node, path: KeyPath) -> Any:
        if isinstance(node, ScalarNode):
            return self._loader.construct_object(node, deep=True)
        if id(node) in self._open:
            raise self._fail(node, path, "an alias refers to a mapping or list that contains it")
        self._open.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            assert isinstance(node, SequenceNode)  # the only other kind of YAML node
            return self._sequence(node, path)
        finally:
            self._open.discard(id(node))

    def _sequence(self, node: SequenceNode, path: KeyPath) -> list[Any]:
        if node.tag != _SEQ_TAG:
            raise self._fail(node, path, f"unsupported YAML tag {node.tag!r} on a list")
        items = []
        for i, item in enumerate(node.value):
            self._lines[(*path, i)] = self._loc(item)
            items.append(self._value(item, (*path, i)))
        return items

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict[Any, Any]:
        if node.tag != _MAP_TAG:
            raise self._fail(node, path, f"unsupported YAML tag {node.tag!r} on a mapping")
        merged, own = self._entries(node, path)
        out: dict[Any, Any] = {}
        # Merged (``<<: *anchor``) entries may be overridden; only the mapping's own keys
        # must be unique.
        for key_node, value_node in merged:
            self._put(out, self._key(key_node, path), key_node, value_node, path)
        seen: dict[Any, int] = {}
        for key_node, value_node in own:
            key = self._key(key_node, path)
            if key in seen:
                first = seen[key]
                raise self._fail(
                    key_node, (*path, key), f"duplicate key '{key}' (first at line {first})"
                )
            seen[key] = self._loc(key_node).line
            if key in out:
                self._drop((*path, key))
            self._put(out, key, key_node, value_node, path)
        return out

    def _put(
        self, out: dict[Any, Any], key: Hashable, key_node: Node, value_node: Node, path: KeyPath
    ) -> None:
        self._lines[(*path, key)] = self._loc(key_node)
        out[key] = self._value(value_node, (*path, key))

    def _drop(self, prefix: KeyPath) -> None:
        """Forget the lines of a merged value that the mapping's own key replaces."""
        for p in [p for p in self._lines if p[: len(prefix)] == prefix]:
            del self._lines[p]

    def _key(self, node: Node, path: KeyPath) -> Hashable:
        if not isinstance(node, ScalarNode):
            raise self._fail(node, path, "a key must be a plain value, not a list or mapping")
        return self._loader.construct_object(node, deep=True)

    def _entries(
        self, node: MappingNode, path: KeyPath
    ) -> tuple[list[tuple[Node, Node]], list[tuple[Node, Node]]]:
        """Split a mapping's entries into merged ones (from ``<<``) and its own."""
        merged: list[tuple[Node, Node]] = []
        own: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node, path))
            else:
                own.append((key_node, value_node))
        return merged, own

    def _merge_sources(self, node: Node, path: KeyPath) -> list[tuple[Node, Node]]:
        if isinstance(node, MappingNode):
            sources = [node]
        elif isinstance(node, SequenceNode) and all(isinstance(s, MappingNode) for s in node.value):
            sources = list(node.value)
        else:
            raise self._fail(node, path, "'<<' must merge a mapping or a list of mappings")
        entries: list[tuple[Node, Node]] = []
        # Earlier sources take precedence, so they are applied last.
        for source in reversed(sources):
            if id(source) in self._open:
                raise self._fail(source, path, "'<<' merges a mapping into itself")
            self._open.add(id(source))
            try:
                merged, own = self._entries(source, path)
            finally:
                self._open.discard(id(source))
            entries.extend(merged + own)
        return entries
