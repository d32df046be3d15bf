"""Synthetic campaigns: the minimal campaign grown to any number of sessions."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

from recap_mailer.format.source import SOURCE_NAME

MINIMAL = Path(__file__).resolve().parents[1] / "tests" / "campaigns" / "minimal" / SOURCE_NAME

_WORD_TEXT = (
    "outcomes contracts public services commissioning evidence partnership government "
    "providers learning data evaluation procurement communities trust accountability "
    "collaboration funding impact systems research policy delivery frontline stewardship "
    "investment transparency innovation fragile resilience participation co-production"
)
_WORDS = _WORD_TEXT.split()
_FIRST_TEXT = ("Ada Grace Alan Mary Tim Joan Ravi Amara Lin Sofia Kwame Ingrid Omar Chen Lucia "
          "Tomás Aiko Nadia Pieter Zanele")
_FIRST = _FIRST_TEXT.split()
_LAST_TEXT = ("Lovelace Hopper Turing Somerville Berners-Lee Clarke Shankar Okafor Wei Rossi "
         "Mensah Larsen Haddad Zhang Fernández Núñez Tanaka Petrova Jansen Dlamini")
_LAST = _LAST_TEXT.split()
_KINDS = ("keynote", "panel", "deep-dive", "big-picture", "book-launch")
_BLOCKS = ("Morning", "Late morning", "Afternoon", "Late afternoon", "Evening")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def synthetic_source(sessions: int, seed: int = 8) -> dict[str, Any]:
    """Return the minimal campaign grown to ``sessions`` sessions with people and quotes."""
    rng = random.Random(seed + sessions)
    data = yaml.load(MINIMAL.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    people = [{"id": f"p{i}", "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
               "affiliation": f"{rng.choice(_LAST)} {rng.choice(('Institute', 'Council', 'Lab'))}",
               "role": "Speaker"} for i in range(max(3, sessions))]
    data["version"] = 1  # BaseLoader reads every scalar as text
    data["people"] = people
    data["sessions"] = []
    for i in range(sessions):
        summary = " ".join(_sentence(rng, rng.randint(10, 18)) for _ in range(rng.randint(3, 5)))
        data["sessions"].append({
            "id": f"s{i}",
            "kind": rng.choice(_KINDS),
            "block": _BLOCKS[i * len(_BLOCKS) // sessions],
            "title": f"Session {i + 1}: {_sentence(rng, rng.randint(4, 9))[:-1]}",
            "speakers": [p["id"] for p in rng.sample(people, rng.randint(1, 3))],
            "summary": summary + f" [Slides](https://example.org/slides/{i}).",
            "recording": f"https://example.org/recordings/{i}",
            "featured": i in (0, sessions // 2),
        })
    data["quotes"] = [{
        "id": f"q{i}",
        "speaker": data["sessions"][i]["speakers"][0],
        "session": f"s{i}",
        "featured": i < 9,
        "priority": i // 3 + 1,
        "text": _sentence(rng, rng.randint(12, 30))[:-1],
    } for i in range(0, sessions, 3)]
    return data


def write_synthetic(root: Path, sessions: int) -> Path:
    """Write a synthetic campaign folder and return it."""
    folder = root / f"synthetic-{sessions:04d}"
    folder.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(synthetic_source(sessions), sort_keys=False, allow_unicode=True,
                          width=100)
    (folder / SOURCE_NAME).write_text(text, encoding="utf-8")
    return folder

