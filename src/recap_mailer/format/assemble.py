"""Build the model from checked data by walking the declaration: each record is its dataclass."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from recap_mailer import model
from recap_mailer.format.declaration import RECAP
from recap_mailer.format.kinds import (
    Handle,
    Hashtag,
    Kind,
    Moment,
    local_moment,
)
from recap_mailer.format.records import Field, Items, Record


@dataclass
class _Walk:
    """What building one campaign needs beyond the data: its zone, its ids, its fallbacks."""

    zone: ZoneInfo
    #: Values of model fields that neither the source nor the dataclass gives.
    fallbacks: dict[tuple[type, str], Any]
    #: The built people and sessions by id, for the keys that name them.
    ids: dict[str, dict[str, Any]] = field(default_factory=dict)


def assemble(data: dict[str, Any], slug: str) -> model.Campaign:
    """Return the campaign that checked ``data`` describes."""
    walk = _Walk(zone=data["event"]["timezone"], fallbacks={(model.Utm, "campaign"): slug})
    return _record(RECAP, data, walk, slug=slug)


def _record(record: Record, data: dict[str, Any] | None, walk: _Walk, **extra: Any) -> Any:
    """Return ``record.model`` built from ``data``; absent keys take the dataclass defaults."""
    assert record.model is not None
    if data is None and not _buildable(record.model, walk):
        return None
    data = data or {}
    attrs = {f.name: f for f in dataclasses.fields(record.model)}
    values = dict(extra)
    for key, spec in record.fields.items():
        attr = spec.attr or key
        if attr not in attrs:
            continue  # a key the model does not keep, like the format version
        value = _value(spec, data.get(key), walk)
        if _has_ids(spec.kind):
            walk.ids[key] = {item.id: item for item in value}
        if value is not None:
            values[attr] = value
        elif not _has_default(attrs[attr]):
            values[attr] = walk.fallbacks.get((record.model, attr))
    return record.model(**values)


def _has_ids(kind: Kind) -> bool:
    """Say whether ``kind`` is a list of records with ids, which other keys may name."""
    return isinstance(kind, Items) and isinstance(kind.item, Record) and "id" in kind.item.fields


def _buildable(cls: type, walk: _Walk) -> bool:
    """Say whether ``cls`` can be made with no data: every field has a default or a fallback."""
    return all(_has_default(f) or (cls, f.name) in walk.fallbacks
               for f in dataclasses.fields(cls))


def _has_default(spec: dataclasses.Field[Any]) -> bool:
    return (spec.default is not dataclasses.MISSING
            or spec.default_factory is not dataclasses.MISSING)


def _value(spec: Field, value: Any, walk: _Walk) -> Any:
    """Convert one checked value to what the model holds."""
    if spec.refers:
        known = walk.ids[spec.refers]
        if isinstance(spec.kind, Items):
            return tuple(known[v] for v in value or ())
        return known[value] if value else None
    return _convert(spec.kind, value, walk)


def _convert(kind: Kind, value: Any, walk: _Walk) -> Any:
    for cls in type(kind).__mro__:
        if cls in _CONVERTERS:
            return _CONVERTERS[cls](kind, value, walk)
    return value


def _items(kind: Any, value: Any, walk: _Walk) -> Any:
    return tuple(_convert(kind.item, v, walk) for v in value or ())


def _mapping(kind: Any, value: Any, walk: _Walk) -> Any:
    if kind.keyed:
        # A mapping of like records by name is, in the model, a tuple that records each name.
        return tuple(_record(spec.kind, value[name], walk, **{kind.keyed: name})
                     for name, spec in kind.fields.items()
                     if value and value.get(name) is not None)
    return _record(kind, value, walk)


_CONVERTERS: dict[type, Callable[[Any, Any, _Walk], Any]] = {
    Record: _mapping,
    Items: _items,
    Moment: lambda kind, value, walk: local_moment(value, walk.zone) if value else None,
    Hashtag: lambda kind, value, walk: value.lstrip("#") if value else None,
    Handle: lambda kind, value, walk: "@" + value.lstrip("@") if value else None,
}
