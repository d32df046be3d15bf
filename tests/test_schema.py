"""The shipped JSON Schema, read by a real validator, agrees with recap-mailer's own checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conftest import CASES
from recap_mailer.format.declaration import json_schema
from recap_mailer.format.source import read_source


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.mark.parametrize("case", list(CASES))
def test_every_test_campaign_is_valid_against_the_schema(case: str,
                                                         validator: Draft202012Validator) -> None:
    data = read_source(CASES[case] / "recap.yaml").data
    assert [e.message for e in validator.iter_errors(data)] == []


def _mutate(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value"), [
    (("email", "subjcet"), "typo"),
    (("sessions", 0, "kind"), ["keynote"]),
    (("event", "recap_url"), "javascript:alert(1)"),
    (("event", "date"), ["2024"]),
    (("theme",), {"primary": "blue"}),
    (("people", 0, "id"), "Not An Id"),
], ids=["unknown-key", "bad-kind", "bad-link", "wrong-type", "bad-colour", "bad-id"])
def test_schema_rejects_what_the_tool_rejects(path: tuple[Any, ...], value: Any,
                                               validator: Draft202012Validator) -> None:
    data = read_source(CASES["minimal"] / "recap.yaml").data
    assert list(validator.iter_errors(_mutate(data, path, value)))
