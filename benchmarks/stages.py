"""The warm, in-process figures: the library's public stages one by one, and whole rebuilds.

Each stage calls the function the build calls, with what earlier stages left in ``ctx``, and
returns what it adds. A stage is one line in STAGES.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recap_mailer.build import Build, load_campaign, render_campaign
from recap_mailer.cards import card_paths, clear_caches, render_cards
from recap_mailer.checks import prepare_checks, run_checks
from recap_mailer.format.source import SOURCE_NAME
from recap_mailer.outputs import read_previous, write_outputs
from recap_mailer.preview.page import render_preview
from recap_mailer.render.email import render_email
from recap_mailer.render.message import build_message
from recap_mailer.render.templating import make_environment
from recap_mailer.render.text import render_text
from recap_mailer.social.exports import schedule_files
from recap_mailer.social.posts import compose_posts, post_files
from recap_mailer.social.schedule import build_clock, plan_schedule

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
    """One timed step of a build: its name, what it calls, and the function that calls it."""

    name: str
    calls: str
    run: Callable[[dict[str, Any]], dict[str, Any]]


def _validate(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"loaded": load_campaign(ctx["dir"])}


def _email(ctx: dict[str, Any]) -> dict[str, Any]:
    env = make_environment(ctx["dir"])  # kept while the templates are unchanged
    return {"env": env, "email": render_email(ctx["loaded"].campaign, env)}


def _text(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"text": render_text(ctx["loaded"].campaign, ctx["env"])}


def _message(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"eml": build_message(ctx["loaded"].campaign, ctx["text"], ctx["email"].html)}


def _posts(ctx: dict[str, Any]) -> dict[str, Any]:
    posts = compose_posts(ctx["loaded"].campaign)
    return {"posts": posts, "post_files": post_files(posts)}


def _schedule(ctx: dict[str, Any]) -> dict[str, Any]:
    campaign = ctx["loaded"].campaign
    slots = plan_schedule(campaign, ctx["posts"])
    return {"slots": slots, "exports": schedule_files(campaign, slots, build_clock(campaign))}


def _cards_drawn(ctx: dict[str, Any]) -> dict[str, Any]:
    clear_caches()  # no card, layout, measurement or sized font kept (the font files are)
    return {"cards": render_cards(ctx["loaded"].campaign)}


def _cards_kept(ctx: dict[str, Any]) -> dict[str, Any]:
    campaign = ctx["loaded"].campaign
    if "previous" not in ctx:  # what `build` finds of its last outputs, read once
        write_outputs(ctx["out"] / "previous", ctx["cards"])
        ctx["previous"] = read_previous(ctx["out"] / "previous", card_paths(campaign))
    return {"cards": render_cards(campaign, ctx["previous"])}


def _files(ctx: dict[str, Any]) -> dict[str, bytes]:
    """Return every output the stages so far have made, keyed as the build writes them."""
    files = {"email.mjml": ctx["email"].mjml.encode(), "email.html": ctx["email"].html.encode(),
             "email.txt": ctx["text"].encode(), "email.eml": ctx["eml"],
             **ctx["post_files"], **ctx["exports"], **ctx["cards"]}
    if "preview" in ctx:
        files["preview.html"] = ctx["preview"]
    return files


def _build(ctx: dict[str, Any]) -> Build:
    return Build(ctx["loaded"].campaign, ctx["email"], _files(ctx), ctx["loaded"].warnings,
                 ctx["posts"], schedule=ctx["slots"], findings=ctx.get("findings", ()))


def _checks(ctx: dict[str, Any]) -> dict[str, Any]:
    read = prepare_checks(ctx["email"].html)
    return {"findings": run_checks(_build(ctx).checked, ctx["loaded"].source, read)}


def _preview(ctx: dict[str, Any]) -> dict[str, Any]:
    build = _build(ctx)
    return {"preview": render_preview(build, ctx["env"], build.report)}


def _write(ctx: dict[str, Any]) -> dict[str, Any]:
    write_outputs(ctx["out"] / ctx["dir"].name, _files(ctx))
    return {}


STAGES = (
    Stage("validate", "build.load_campaign (read + validate)", _validate),
    Stage("render email", "render.email.render_email (Jinja, MRML, premailer)", _email),
    Stage("text", "render.text.render_text", _text),
    Stage("message", "render.message.build_message (.eml)", _message),
    Stage("posts", "social.posts.compose_posts + post_files", _posts),
    Stage("schedule", "social.schedule.plan_schedule + exports.schedule_files", _schedule),
    Stage("cards, every one drawn", "cards.clear_caches + render_cards", _cards_drawn),
    Stage("cards, kept from last build", "cards.render_cards(campaign, previous)", _cards_kept),
    Stage("checks", "checks.prepare_checks + run_checks", _checks),
    Stage("preview page", "preview.page.render_preview", _preview),
    Stage("write", "outputs.write_outputs (whole folder swapped)", _write),
)


def time_stages(campaign_dir: Path, out: Path, repeat: int) -> list[tuple[str, float, str]]:
    """Time every stage in this warm process: (name, median ms, what it calls)."""
    ctx: dict[str, Any] = {"dir": campaign_dir, "out": out}
    rows = []
    for stage in STAGES:
        ctx.update(stage.run(ctx))
        rows.append((stage.name, median_ms(lambda s=stage: s.run(ctx), repeat), stage.calls))
    return rows


def warm_rebuild(campaign_dir: Path, out: Path) -> dict[str, bytes]:
    """Do what `recap-mailer build` does for one campaign again, in this process."""
    loaded = load_campaign(campaign_dir)
    folder = out / campaign_dir.name
    previous = read_previous(folder, card_paths(loaded.campaign))
    result = render_campaign(loaded, previous)
    write_outputs(folder, result.files)
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


#: The recap page the sample was drafted from: `recap-mailer import` reads pages like it.
SEED_PAGE = SAMPLE.parents[1].parent / "shared" / "seeds" / "000_39033e787ecd2444.txt"


def import_growth(copies: tuple[int, ...], repeat: int) -> list[dict[str, Any]]:
    """Time drafting a recap from the seed page repeated ``n`` times (read + draft + YAML)."""
    from recap_mailer.importer import ImportOptions, draft_recap, read_page, render_draft

    page = SEED_PAGE.read_text(encoding="utf-8")
    rows = []
    for n in copies:
        text = "\n\n\n".join([page] * n)

        def draft(text: str = text) -> None:
            render_draft(draft_recap(read_page(text, "text"), ImportOptions()))

        rows.append({"copies": n, "kb": len(text.encode()) / 1024,
                     "ms": median_ms(draft, max(3, repeat // n))})
    return rows
