"""The posts check: limits, alt text, hashtags left out, and who spoke before a feed's fold."""

from __future__ import annotations

from functools import lru_cache

from recap_mailer.checks.context import Context
from recap_mailer.checks.findings import Finding
from recap_mailer.social import bluesky, counting
from recap_mailer.social.fitting import SENTENCE, cut_points
from recap_mailer.social.framing import (
    HASHTAG,
    asked_hashtags,
    hashtag_cap,
    team_words,
    wanted_hashtags,
)
from recap_mailer.social.platforms import RULES, fold_at


@lru_cache(maxsize=1024)  # posts outlive a rebuild that only edits the email
def _post_length(platform: str, text: str) -> int:
    return counting.COUNTERS[platform](text)


def check_posts(ctx: Context) -> list[Finding]:
    """Each post within its platform's limit; alt text on every image, within its limit."""
    found = []
    posts = ctx.checked.posts
    for post in posts:
        rules = RULES[post.platform]
        at = ("social", "platforms", post.platform)
        # Counted as pasted: Bluesky's count is of the copy text, its links shortened.
        length = _post_length(post.platform, post.copy_text)
        if length > post.limit:
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id} is {length} {rules.unit}; {rules.label} "
                                f"takes {post.limit}", key=True))
        size = counting.utf8_bytes(post.text)
        if rules.byte_limit and size > rules.byte_limit:
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id} is {size} bytes; {rules.label} takes "
                                f"{rules.byte_limit}", key=True))
        garbled = bluesky.misplaced(post.copy_text) if post.platform == "bluesky" else None
        if garbled:
            found.append(ctx.at("posts", at, "warning",
                                f"post {post.id}: Bluesky's app misplaces the links after "
                                f"{garbled!r} (a link it leaves as written, holding characters "
                                "past U+007F): they show in full or cut oddly and their facets "
                                "are off; the count and posts.json follow the app",
                                key=True))
        if post.image and not (post.alt or "").strip():
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id}: its image {post.image} has no alt text",
                                key=True))
        elif post.alt and counting.alt_length(post.alt) > rules.alt_limit:
            found.append(ctx.at("posts", at, "error",
                                f"post {post.id}: its alt text is "
                                f"{counting.alt_length(post.alt)} characters; {rules.label} "
                                f"takes {rules.alt_limit}", key=True))
    found += _hashtags_left_out(ctx)
    found += _behind_the_fold(ctx)
    found += _words_left_out(ctx)
    for settings in ctx.campaign.social.enabled:
        if settings.platform == "mastodon" and settings.limit is None:
            found.append(ctx.at("posts", ("social", "platforms", "mastodon"), "warning",
                                "Mastodon posts are held to the default 500 characters, but "
                                "each server sets its own limit: give the server and its limit",
                                key=True))
    return found


def _hashtags_left_out(ctx: Context) -> list[Finding]:
    """Name, per platform, every hashtag asked for that some post goes without, and why."""
    found = []
    quotes = {q.id: q for q in ctx.campaign.quotes}
    for settings in ctx.campaign.social.enabled:
        platform, rules = settings.platform, RULES[settings.platform]
        cap = hashtag_cap(settings)
        over_cap: dict[str, None] = {}
        no_room: dict[str, None] = {}
        for post in ctx.checked.posts:
            quote = quotes.get(post.quote_id)
            if post.platform != platform or post.part != post.parts or quote is None:
                continue
            allowed = wanted_hashtags(ctx.campaign, quote, settings)[1]
            carried = {t.casefold() for t in HASHTAG.findall(post.text)}
            for tag in asked_hashtags(ctx.campaign, quote, settings):
                if tag.casefold() in carried:
                    continue
                (over_cap if tag not in allowed else no_room)[tag] = None
        at = ("social", "platforms", platform)
        if over_cap:
            found.append(ctx.at("posts", at, "warning",
                                f"{rules.label} posts leave out {_tags(over_cap)}: at most "
                                f"{cap} hashtag{'s' if cap != 1 else ''} a post; set "
                                f"social.platforms.{platform}.max_hashtags to change it",
                                key=True))
        if no_room:
            found.append(ctx.at("posts", at, "warning",
                                f"some {rules.label} posts leave out {_tags(no_room)}: no room "
                                "beside the quote", key=True))
    return found


def _behind_the_fold(ctx: Context) -> list[Finding]:
    """Warn where a feed folds a post before both who spoke and the lead's first sentence."""
    found = []
    where = {q.id: i for i, q in enumerate(ctx.campaign.quotes)}
    settings = {s.platform: s for s in ctx.campaign.social.enabled}
    for post in ctx.checked.posts:
        rules = RULES[post.platform]
        if not rules.folds or post.part > 1 or post.quote_id not in where:
            continue
        screen, shown = rules.folds[-1]
        quote = ctx.campaign.quotes[where[post.quote_id]]
        lead = team_words(quote, settings[post.platform])[0]
        hooks = [quote.speaker.display_name, _first_sentence(lead)]
        if any(_shown_before(post.platform, post.text, hook, shown) for hook in hooks if hook):
            continue
        found.append(ctx.at(
            "posts", ("quotes", where[post.quote_id]), "warning",
            f"post {post.id}: {rules.label} shows {shown} {rules.unit} before \u201csee "
            f"more\u201d on {screen}, and neither {quote.speaker.display_name}'s name nor a "
            f"lead's first sentence is among them: "
            + ("shorten the lead's first sentence" if lead else
               f"give the quote a lead for {post.platform}")
            + f", or open templates/posts/{post.platform}.txt with who spoke", key=True))
    return found


def _words_left_out(ctx: Context) -> list[Finding]:
    """Warn where the fitter had to leave out a lead or a close the team wrote."""
    found = []
    settings = {s.platform: s for s in ctx.campaign.social.enabled}
    for i, quote in enumerate(ctx.campaign.quotes):
        for platform, own in settings.items():
            posts = [p for p in ctx.checked.posts
                     if p.quote_id == quote.id and p.platform == platform]
            if not posts:
                continue
            rules = RULES[platform]
            for name, text, post in zip(("lead", "close"), team_words(quote, own),
                                        (posts[0], posts[-1]), strict=True):
                # As the post shows it: its lines tidied (social.voice), so spacing aside.
                if not text or " ".join(text.split()) in " ".join(post.copy_text.split()):
                    continue
                words = getattr(quote, name)
                at = ("quotes", i, name) if words.on(platform) else (
                    "social", "platforms", platform, name)
                advice = "shorten it" if getattr(words, platform) or not words.all else (
                    f"shorten it, or give {platform} a shorter one of its own")
                found.append(ctx.at(
                    "posts", at, "warning",
                    f"post {post.id} leaves out its {name}: no room for it beside the quote "
                    f"within {post.limit} {rules.unit} on {rules.label}; {advice}", key=True))
    return found


def _first_sentence(text: str) -> str:
    """Return ``text`` up to the end of its first sentence."""
    ends = [p for p, level in cut_points(text).items() if level >= SENTENCE] if text else []
    return text[: min(ends)] if ends else text


def _shown_before(platform: str, text: str, hook: str, shown: int) -> bool:
    """Say whether ``hook`` is in ``text`` and ends before the fold (where the preview marks it)."""
    start = text.find(hook)
    fold = fold_at(platform, text, shown)
    return start >= 0 and (fold is None or start + len(hook) <= fold)


def _tags(tags: dict[str, None]) -> str:
    return ", ".join(f"#{t}" for t in tags)
