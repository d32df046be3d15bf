"""The kinds that hold other kinds: lists of one kind and mappings with known keys."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from recap_mailer.format.kinds import INVALID, Checker, Kind, Text, did_you_mean
from recap_mailer.format.source import Path_


@dataclass
class Items(Kind):
    """A list of one kind."""

    item: Kind = field(default_factory=Text)
    min_items: int = 0
    max_items: int = 1000
    expected = "a list"

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if not isinstance(value, list):
            return self._wrong_type(value, at, checker)
        if len(value) < self.min_items:
            checker.error(at, f"needs at least {self.min_items} item(s)")
            return INVALID
        if len(value) > self.max_items:
            checker.error(at, f"has {len(value)} items; the most allowed is {self.max_items}")
            return INVALID
        # Bad items stay in place as INVALID so that later checks still see the good ones.
        return tuple(self.item.check(v, (*at, i), checker) for i, v in enumerate(value))

    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.item.schema(), "minItems": self.min_items,
                "maxItems": self.max_items}


@dataclass
class Field:
    """One key of a mapping: its kind, whether it must be there, its help, where it goes."""

    kind: Kind
    doc: str
    required: bool = False
    #: The model's name for the key, where it differs (``from`` is ``Email.sender``).
    attr: str | None = None
    #: The list whose ids the value names (``people`` for a session's chair).
    refers: str | None = None


@dataclass
class Record(Kind):
    """A mapping with known keys; unknown keys are errors with a suggestion.

    ``model`` is the dataclass the checked mapping becomes; an absent key takes that
    dataclass's default, so each default is written once, in the model. ``keyed`` names the
    model field that receives each key of a mapping of like records (a platform's name).
    ``plain`` names the key that a value written alone, not as a mapping, stands for.
    """

    fields: Mapping[str, Field] = field(default_factory=dict)
    doc: str = ""
    model: type | None = None
    keyed: str | None = None
    plain: str | None = None

    @property
    def expected(self) -> str:  # type: ignore[override]
        return "text or a mapping" if self.plain else "a mapping"

    @cached_property
    def defaults(self) -> dict[str, Any]:
        """Return each key's default, read from the model's dataclass fields."""
        if self.model is None:
            return {}
        found = {f.name: f.default for f in dataclasses.fields(self.model)
                 if f.default is not dataclasses.MISSING}
        # A mapping in the source is a tuple in the model: its empty default is no mapping.
        return {name: found.get(spec.attr or name) for name, spec in self.fields.items()
                if not isinstance(spec.kind, Record)}

    def check(self, value: Any, at: Path_, checker: Checker) -> Any:
        if value is None:
            value = {}
        if self.plain and isinstance(value, str):
            value = {self.plain: value}
        if not isinstance(value, dict):
            return self._wrong_type(value, at, checker)
        for key in value:
            if key not in self.fields:
                checker.error((*at, key), "unknown key" + did_you_mean(key, self.fields), key=True)
        # Bad fields stay in place as INVALID so that later checks still see the good ones.
        result: dict[str, Any] = {}
        for name, spec in self.fields.items():
            if name not in value or value[name] is None:
                if spec.required:
                    checker.error(at, f"missing required key '{name}'", key=True)
                    result[name] = INVALID
                else:
                    result[name] = self.defaults.get(name)
                continue
            result[name] = spec.kind.check(value[name], (*at, name), checker)
        return result

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                name: {**spec.kind.schema(), "description": spec.doc}
                for name, spec in self.fields.items()
            },
        }
        required = [name for name, spec in self.fields.items() if spec.required]
        if required:
            out["required"] = required
        if self.doc:
            out["description"] = self.doc
        if self.plain:
            return {"anyOf": [self.fields[self.plain].kind.schema(), out]}
        return out
