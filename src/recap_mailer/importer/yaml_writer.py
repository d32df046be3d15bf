"""Write the draft as recap.yaml text, a ``# CHECK:`` comment on everything uncertain."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from recap_mailer.importer.model import CHECK, PLACEHOLDER_DATE, Draft


def _q(value: str) -> str:
    """Quote a value as a YAML double-quoted scalar (JSON escapes, which YAML reads the same)."""
    quoted = json.dumps(value, ensure_ascii=False)
    return re.sub(r"[\u00a0\u00ad\u200b-\u200f\u2060-\u2064]",
                  lambda m: f"\\u{ord(m[0]):04x}", quoted)


def _comment(draft: Draft, key: str) -> str:
    messages = draft.notes.get(key)
    return f"  {CHECK} {'; '.join(messages)}" if messages else ""


def render_draft(draft: Draft) -> str:
    """Write the draft as recap.yaml text, with a ``# CHECK:`` comment on everything uncertain."""
    lines = [
        "# yaml-language-server: $schema=../../docs/recap.schema.json",
        f"# Draft imported from {json.dumps(draft.page_name, ensure_ascii=False)[1:-1]} "
        "by `recap-mailer import`.",
        "# Every line marked CHECK needs a person to check it before this goes out.",
        f"{CHECK} the summaries and the intro are the page's own words: rewrite them in your own.",
    ]
    lines.extend(f"{CHECK} {message}" for message in draft.general)
    lines += ["version: 1", "lang: en", "", "email:",
              f"  subject: {_q(draft.subject)}",
              f"  preheader: {_q(draft.preheader)}",
              "  from:",
              f"    name: \"Events Team\"  {CHECK} who the email comes from",
              f"    address: events@example.org  {CHECK} the sender's address",
              "  service: generic  # generic | mailchimp | listmonk",
              f"  unsubscribe_url: https://example.org/unsubscribe  {CHECK} your unsubscribe link",
              f"  postal_address: \"Postal address (to check)\"  {CHECK} required by "
              "anti-spam law",
              f"  send_at: {_send_at(draft.date)}  {CHECK} when the email goes out, local to "
              "event.timezone"]
    intro_note = _comment(draft, "email.intro")
    if intro_note:
        lines.append("  " + intro_note.strip())
    lines.append("  intro: |")
    lines += _literal(draft.intro, 4)
    if draft.recap_url_given:
        lines += ["  call_to_action:", "    text: \"Read the full recap\"",
                  f"    url: {_q(draft.recap_url)}"]
    lines += ["", "event:",
              f"  name: {_q(draft.event_name)}{_comment(draft, 'event.name')}",
              f"  short_name: {_q(draft.short_name)}{_comment(draft, 'event.short_name')}",
              f"  day_label: {_q(draft.day_label)}{_comment(draft, 'event.day_label')}",
              f"  date: {draft.date}{_comment(draft, 'event.date')}",
              f"  timezone: {_q(draft.timezone)}{_comment(draft, 'event.timezone')}",
              f"  venue: {_q(draft.venue)}{_comment(draft, 'event.venue')}",
              f"  recap_url: {_q(draft.recap_url)}{_comment(draft, 'event.recap_url')}"]
    if draft.hashtags:
        lines.append(f"  hashtags: [{', '.join(_q(h) for h in draft.hashtags)}]")
    lines += ["", "people:" + (" []" if not draft.people else "")]
    for p in draft.people:
        fields = [f"id: {_q(p.id)}"]
        if p.honorific:
            fields.append(f"honorific: {_q(p.honorific)}")
        fields.append(f"name: {_q(p.name)}")
        if p.affiliation:
            fields.append(f"affiliation: {_q(p.affiliation)}")
        if p.role:
            fields.append(f"role: {_q(p.role)}")
        lines.append(f"  - {{{', '.join(fields)}}}{_comment(draft, f'people.{p.id}')}")
    lines += ["", "sessions:"]
    for s in draft.sessions:
        note = _comment(draft, f"sessions.{s.id}")
        if note:
            lines.append("  " + note.strip())
        lines += [f"  - id: {_q(s.id)}", f"    kind: {s.kind}"]
        if s.block:
            lines.append(f"    block: {_q(s.block)}")
        lines.append(f"    title: {_q(s.title)}")
        if s.chair:
            lines.append(f"    chair: {_q(s.chair)}")
        lines.append(f"    speakers: [{', '.join(_q(x) for x in s.speakers)}]")
        lines.append("    summary: |")
        lines += _literal(s.summary, 6)
        lines.append("")
    if draft.quotes:
        lines += [f"quotes:  {CHECK} verbatim from the page; choose which to feature "
                  "and their order"]
    else:
        lines.append("quotes: []")
    for q in draft.quotes:
        note = _comment(draft, f"quotes.{q.id}")
        if note:
            lines.append("  " + note.strip())
        lines += [f"  - id: {_q(q.id)}", f"    speaker: {_q(q.speaker)}",
                  f"    session: {_q(q.session)}", f"    featured: {str(q.featured).lower()}",
                  f"    priority: {q.priority}", f"    text: {_q(q.text)}"]
    return "\n".join(lines).rstrip("\n") + "\n"


def _literal(paragraphs: list[str], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        if i:
            out.append("")
        out.append(pad + paragraph)
    return out


def _send_at(day: str) -> str:
    try:
        following = date.fromisoformat(day) + timedelta(days=1)
    except ValueError:
        following = date.fromisoformat(PLACEHOLDER_DATE) + timedelta(days=1)
    return f"{following.isoformat()}T09:00"
