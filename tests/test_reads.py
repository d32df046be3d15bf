"""A build reads only its campaign, the templates and what Python and the system lend it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from recap_mailer.render.templating import DEFAULT_TEMPLATES

#: Every file a build opens is recorded by an audit hook set before anything is imported.
_RECORDER = """
import json, os, sys
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes)):
        writes = bool(args[2] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        opened.append((os.path.abspath(os.fsdecode(args[0])), writes))
sys.addaudithook(hook)
from recap_mailer.cli import main
try:
    main(["build", sys.argv[1], "--out", sys.argv[2]])
except SystemExit:
    pass
sys.stdout.write("\\n" + json.dumps(opened))
"""

#: What the system lends every program: its Python, time zones and fonts.
_SYSTEM = [Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix,
                                       sysconfig.get_paths()["purelib"]}] + [
    Path("/usr/share/zoneinfo"), Path("/usr/share/fonts"), Path("/etc/fonts"),
    Path("/var/cache/fontconfig"), Path("/dev/null")]


def _inside(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def test_a_build_opens_nothing_outside_what_it_was_given(tmp_path: Path) -> None:
    campaign = tmp_path / "campaign"
    shutil.copytree(Path(__file__).parents[1] / "campaigns" / "soc23-day1", campaign)
    out, cache = tmp_path / "out", tmp_path / "xdg"
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), PYTHONPYCACHEPREFIX=str(tmp_path / "pyc"))
    done = subprocess.run([sys.executable, "-c", _RECORDER, str(campaign), str(out)],
                          capture_output=True, text=True, env=env, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    opened = [(Path(p).resolve(), writes) for p, writes in json.loads(done.stdout.splitlines()[-1])]
    package = Path(__import__("recap_mailer").__file__).resolve().parent
    reads = [campaign, DEFAULT_TEMPLATES.resolve(), package, tmp_path / "pyc", out,
             cache / "recap-mailer", *_SYSTEM]
    assert [p for p, _ in opened if not _inside(p, reads)] == []
    writes = [p for p, written in opened if written]
    assert writes, "the recorder saw no file written"
    assert [p for p in writes if not _inside(p, [out, cache / "recap-mailer"])] == []
    assert any(p.parent == campaign and p.name == "recap.yaml" for p, _ in opened)
