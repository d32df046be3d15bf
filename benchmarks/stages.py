"""The warm, in-process figures: a rebuild of the sample stage by stage, and after an edit.

Each stage reads what earlier stages left in ``ctx`` and returns what it adds. A stage whose
module or function does not exist yet is shown as "n/a (not built yet)". Adding a stage is
one line in STAGES.
"""

from __future__ import annotations

import importlib
import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recap_mailer.build import Build, load_campaign, render_campaign
from recap_mailer.format.source import SOURCE_NAME, read_source
from recap_mailer.format.validate import validate
from recap_mailer.outputs import write_outputs
from recap_mailer.render.email import (
    EMAIL_TEMPLATE,
    RenderedEmail,
    compile_mjml,
    inline_css,
    render_mjml,
)
from recap_mailer.render.message import build_message
from recap_mailer.render.templating import make_environment, shown_path
from recap_mailer.render.text import TEXT_TEMPLATE, render_text

SAMPLE = Path(__file__).resolve().parents[1] / "campaigns" / "soc23-day1"


def median_ms(action: Callable[[], Any], repeat: int) -> float:
    """Return the median wall time of ``action`` in milliseconds, after one warm-up call."""
    action()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)



@dataclass(frozen=True)
class Stage:
    """One timed step of a rebuild."""

    name: str
    run: Callable[[dict[str, Any]], dict[str, Any]]
    #: For a stage of a module still to come: "module.function" it calls when present.
    needs: str | None = None


def _load(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"source": read_source(ctx["dir"] / SOURCE_NAME)}


def _validate(ctx: dict[str, Any]) -> dict[str, Any]:
    campaign, _warnings = validate(ctx["source"], ctx["dir"].name)
    return {"campaign": campaign}


def _templates(ctx: dict[str, Any]) -> dict[str, Any]:
    # The environment is kept per campaign folder, so on a warm rebuild this is near zero.
    env = make_environment(ctx["dir"])
    env.get_template(EMAIL_TEMPLATE)
    env.get_template(TEXT_TEMPLATE)
    return {"env": env}


def _render_mjml(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"mjml": render_mjml(ctx["campaign"], ctx["env"])}


def _mjml2html(ctx: dict[str, Any]) -> dict[str, Any]:
    template = shown_path(ctx["env"].get_template(EMAIL_TEMPLATE).filename or EMAIL_TEMPLATE)
    return {"compiled": compile_mjml(ctx["mjml"], template)}


def _inline(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"html": inline_css(ctx["compiled"])}


def _text(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"text": render_text(ctx["campaign"], ctx["env"])}


def _eml(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"eml": build_message(ctx["campaign"], ctx["text"], ctx["html"])}


def _files(ctx: dict[str, Any]) -> dict[str, bytes]:
    """Return every output the stages so far have made, keyed as the build writes them."""
    files = {"email.mjml": ctx["mjml"].encode(), "email.html": ctx["html"].encode(),
             "email.txt": ctx["text"].encode(), "email.eml": ctx["eml"]}
    if isinstance(ctx.get("cards"), dict):
        files.update(ctx["cards"])
    if isinstance(ctx.get("exports"), dict):
        files.update(ctx["exports"])
    if isinstance(ctx.get("preview"), bytes):
        files["preview.html"] = ctx["preview"]
    return files


def _cards_afresh(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.cards import clear_caches, render_cards

    clear_caches()  # no card, layout, measurement or sized font kept (the font files are)
    return {"cards": render_cards(ctx["campaign"])}


def _schedule(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.build import build_clock
    from recap_mailer.social.exports import schedule_files
    from recap_mailer.social.schedule import plan_schedule

    slots = plan_schedule(ctx["campaign"], ctx["posts"])
    return {"slots": slots,
            "exports": schedule_files(ctx["campaign"], slots, build_clock(ctx["campaign"]))}


def _checks(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.checks import run_checks

    email = RenderedEmail(ctx["mjml"], ctx["html"])
    build = Build(ctx["campaign"], email, _files(ctx), (), ctx["posts"], schedule=ctx["slots"])
    return {"findings": run_checks(build.checked, ctx["source"])}


def _preview(ctx: dict[str, Any]) -> dict[str, Any]:
    from recap_mailer.preview.page import render_preview

    email = RenderedEmail(ctx["mjml"], ctx["html"])
    build = Build(ctx["campaign"], email, _files(ctx), ())
    return {"preview": render_preview(build, ctx["env"], ())}


def _write(ctx: dict[str, Any]) -> dict[str, Any]:
    write_outputs(ctx["out"] / ctx["dir"].name, _files(ctx))
    return {}


def _optional(key: str, target: str, *args: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Call ``recap_mailer.<module>.<function>`` with ``ctx`` values ``args``; store as ``key``."""
    module_name, function_name = target.split(".")

    def run(ctx: dict[str, Any]) -> dict[str, Any]:
        module = importlib.import_module(f"recap_mailer.{module_name}")
        return {key: getattr(module, function_name)(*(ctx[a] for a in args))}

    return run


STAGES = (
    Stage("load (read + parse YAML)", _load),
    Stage("validate", _validate),
    Stage("Jinja env + templates", _templates),
    Stage("render MJML", _render_mjml),
    Stage("mjml2html (MRML)", _mjml2html),
    Stage("inline CSS (premailer)", _inline),
    Stage("text", _text),
    Stage("message (.eml)", _eml),
    Stage("posts", _optional("posts", "social.compose_posts", "campaign"),
          "social.compose_posts"),
    Stage("cards, every one drawn afresh", _cards_afresh, "cards.clear_caches"),
    Stage("cards (unchanged: kept)", _optional("cards", "cards.render_cards", "campaign"),
          "cards.render_cards"),
    Stage("schedule + exports", _schedule, "schedule.plan_schedule"),
    Stage("checks", _checks, "checks.run_checks"),
    Stage("preview", _preview, "preview.render_preview"),
    Stage("write (atomic swap)", _write),
)


def available(stage: Stage) -> str | None:
    """Return why a stage cannot run yet, or None when it can."""
    if stage.needs is None:
        return None
    module_name, function_name = stage.needs.split(".")
    try:
        module = importlib.import_module(f"recap_mailer.{module_name}")
    except ModuleNotFoundError:
        return "n/a (not built yet)"
    if not hasattr(module, function_name):
        return f"n/a (no {stage.needs})"
    return None


def time_stages(campaign_dir: Path, out: Path, repeat: int) -> list[tuple[str, float | None, str]]:
    """Time every stage on a warm process: (name, median ms or None, note)."""
    ctx: dict[str, Any] = {"dir": campaign_dir, "out": out}
    rows: list[tuple[str, float | None, str]] = []
    for stage in STAGES:
        why = available(stage)
        if why:
            rows.append((stage.name, None, why))
            continue
        try:
            ctx.update(stage.run(ctx))
            rows.append((stage.name, median_ms(lambda s=stage: s.run(ctx), repeat), ""))
        except Exception as exc:  # a stage still in progress elsewhere: report, go on
            rows.append((stage.name, None, f"failed: {type(exc).__name__}: {exc}"[:70]))
    return rows


def warm_rebuild(campaign_dir: Path, out: Path) -> dict[str, bytes]:
    """Do what `recap-mailer build` does for one campaign, in this process."""
    result = render_campaign(load_campaign(campaign_dir))
    write_outputs(out / campaign_dir.name, result.files)
    return result.files


#: The edit a writer makes between rebuilds: a word added to the first session's summary.
EDITED_LINE = "      Professor Mark Considine opened SOC23"


def edited_copy(scratch: Path) -> tuple[Path, Callable[[], None]]:
    """Copy the sample to ``scratch`` and return it with a function that edits its summary.

    Each call changes the text again (alternating two versions), so every rebuild renders a
    changed email, as after a real edit; only what the edit does not touch can be kept.
    """
    folder = scratch / "edited" / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    source = folder / SOURCE_NAME
    original = source.read_text(encoding="utf-8")
    if EDITED_LINE not in original:
        raise SystemExit(f"benchmark: {EDITED_LINE.strip()!r} is no longer in the sample")
    versions = [original.replace(EDITED_LINE, EDITED_LINE.replace("opened", f"{verb} opened"))
                for verb in ("first", "then")]
    turn = [0]

    def edit() -> None:
        turn[0] ^= 1
        source.write_text(versions[turn[0]], encoding="utf-8")

    return folder, edit

