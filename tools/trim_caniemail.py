"""Trim caniemail.com's data to what `recap-mailer check` reads, for shipping in the package.

Source: the caniemail data bundled in the npm package ``doiuse-email`` (MIT; data from
https://www.caniemail.com, by Rémi Parmentier and contributors), the same data the tests'
reference (tests/node, doiuse-email) reads, so the check and its reference agree. To update,
bump doiuse-email in tests/node/package.json, ``npm ci --prefix tests/node``, then:

    python tools/trim_caniemail.py tests/node/node_modules/doiuse-email \
        src/recap_mailer/checks/data/

It keeps the css and html features and, for each, the latest result of the clients the check
reports on (with the notes those results cite), and writes ``caniemail.json`` (with the
package version and the data's date) and ``caniemail-LICENSE.txt``. Not run by the tests; the
output is committed.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

#: The clients a campaign is checked against, as caniemail and doiuse-email name them.
MAJOR_CLIENTS = (
    "gmail.desktop-webmail", "gmail.ios", "gmail.android", "gmail.mobile-webmail",
    "outlook.windows", "outlook.windows-mail", "outlook.macos", "outlook.outlook-com",
    "outlook.ios", "outlook.android",
    "apple-mail.macos", "apple-mail.ios",
    "yahoo.desktop-webmail", "yahoo.ios", "yahoo.android",
    "samsung-email.android",
)


def trim(package: Path) -> dict:
    """Return the trimmed data of an installed doiuse-email package."""
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    data = json.loads((package / "data" / "can-i-email.json").read_text(encoding="utf-8"))
    names = data["nicenames"]
    features = {}
    for feature in data["data"]:
        if feature["category"] not in ("css", "html"):
            continue
        support, cited = {}, set()
        for client in MAJOR_CLIENTS:
            family, platform = client.split(".")
            versions = feature["stats"].get(family, {}).get(platform)
            if versions:
                # Versions are listed oldest first; the latest result is what readers have now.
                support[client] = list(versions.values())[-1]
                cited |= set(re.findall(r"#(\d+)", support[client]))
        notes = feature.get("notes_by_num") or {}
        features[feature["slug"]] = {
            "title": feature["title"], "category": feature["category"], "support": support,
            "notes": {n: notes[n] for n in sorted(cited, key=int) if n in notes},
        }
    clients = {c: f"{names['family'][c.split('.')[0]]} {names['platform'][c.split('.')[1]]}"
               for c in MAJOR_CLIENTS}
    return {
        "source": f"caniemail data bundled in npm doiuse-email@{meta['version']} (MIT), "
                  "from https://www.caniemail.com",
        "last_update_date": data["last_update_date"],
        "clients": clients,
        "features": features,
    }


def main(package: str, out: str) -> None:
    """Write the trimmed data and the licence into ``out``."""
    target = Path(out)
    trimmed = trim(Path(package))
    text = json.dumps(trimmed, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    (target / "caniemail.json").write_text(text, encoding="utf-8")
    licence = (Path(package) / "license").read_text(encoding="utf-8")
    (target / "caniemail-LICENSE.txt").write_text(
        f"The file caniemail.json is trimmed from {trimmed['source']},\n"
        f"data dated {trimmed['last_update_date']}, under this licence:\n\n{licence}",
        encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
