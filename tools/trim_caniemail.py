"""Trim caniemail.com's data to what `recap-mailer check` reads, for shipping in the package.

Source: the npm package ``caniemail`` (MIT; data from https://www.caniemail.com, by Rémi
Parmentier and contributors, packaged by Avi Goldman and Andrew Powell). To update:

    npm pack caniemail@<version> && tar xzf caniemail-<version>.tgz
    python tools/trim_caniemail.py package/ src/recap_mailer/checks/data/

It keeps the css-* and html-* features and, for each, the latest result of the major clients
only, and writes ``caniemail.json`` (with the package version and the data's date) and
``caniemail-LICENSE.txt``. Not run by the tests; the output is committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: The clients a campaign is checked against: (family, platform) as caniemail names them.
MAJOR_CLIENTS = (
    ("gmail", "desktop-webmail"), ("gmail", "ios"), ("gmail", "android"),
    ("outlook", "windows"), ("outlook", "outlook-com"), ("outlook", "macos"), ("outlook", "ios"),
    ("apple-mail", "macos"), ("apple-mail", "ios"),
    ("yahoo", "desktop-webmail"),
    ("samsung-email", "android"),
)


def trim(package: Path) -> dict:
    """Return the trimmed data of an unpacked caniemail npm package."""
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    data = json.loads((package / "data" / "caniemail.json").read_text(encoding="utf-8"))
    names = data["nicenames"]
    features = {}
    for feature in data["data"]:
        if not feature["slug"].startswith(("css-", "html-")):
            continue
        support = {}
        for family, platform in MAJOR_CLIENTS:
            versions = feature["stats"].get(family, {}).get(platform)
            if versions:
                # Versions are listed oldest first; the latest result is what readers have now.
                support[f"{family}/{platform}"] = list(versions.values())[-1]
        features[feature["slug"]] = {"title": feature["title"], "support": support}
    clients = {f"{family}/{platform}": f"{names['family'][family]} {names['platform'][platform]}"
               for family, platform in MAJOR_CLIENTS}
    return {
        "source": f"npm caniemail@{meta['version']} (MIT), data from https://www.caniemail.com",
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
    licence = (Path(package) / "LICENSE").read_text(encoding="utf-8")
    (target / "caniemail-LICENSE.txt").write_text(
        f"The file caniemail.json is trimmed from {trimmed['source']},\n"
        f"data dated {trimmed['last_update_date']}, under this licence:\n\n{licence}",
        encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
