"""What a person's name and an organisation look like, and the words that cue them."""

from __future__ import annotations

import re

_U = "A-ZÀ-ÖØ-ÞĀ-Ž"
_L = "a-zß-öø-ÿā-ž"
_WORD = rf"(?:Mc|O['’])?[{_U}][{_L}]+(?:-[{_U}][{_L}]+|['’][{_U}][{_L}]+)*"
_PARTICLE = r"(?:de|da|di|del|della|van|von|der|den|ter|le|la|du|dos|das|bin|ibn|al|el)"
_NAME = rf"{_WORD}(?: +(?:{_PARTICLE} +){{0,2}}{_WORD}){{1,3}}"
HONORIFIC = r"(?:Professor|Prof\.?|Dr\.?|Doctor|Sir|Dame|Mr\.?|Mrs\.?|Ms\.?)"
NAME_START = re.compile(rf"(?:{HONORIFIC} +)?{_WORD}")
_ORG_WORD = r"[A-Z0-9À-Ö][\w’'&-]*(?<![’'])"
_ORG = rf"{_ORG_WORD}(?: +(?:(?:of|for|and|on|&|the|de|du|des|di) +)?{_ORG_WORD}){{0,7}}"

RUN = re.compile(
    rf"(?:(?P<hon>{HONORIFIC}) +)?(?P<name>{_NAME})"
    rf"(?P<more>(?:(?:, +|,? +and +)(?:{HONORIFIC} +)?{_NAME})*)"
)
HON_SURNAME = re.compile(rf"\b(?P<hon>{HONORIFIC}) +(?P<name>{_WORD})\b")
ONE = re.compile(rf"(?:(?P<hon>{HONORIFIC}) +)?(?P<name>{_NAME})")

#: Words that start a sentence, never a name ("After Jane ..." is not a person called After).
_FUNCTION_WORDS = {
    "a", "an", "the", "we", "our", "after", "before", "during", "in", "at", "on", "this", "that",
    "these", "those", "then", "next", "meanwhile", "finally", "also", "and", "but", "so", "as",
    "here", "there", "thank", "thanks", "when", "while", "with", "from", "by", "for", "of", "to",
    "edited", "sharing", "speaking", "among", "both", "each", "every", "all", "some", "many",
    "she", "he", "they", "it", "his", "her", "their", "its", "how", "what", "why", "where",
    "who", "which", "today", "yesterday", "tomorrow", "if", "or", "nor", "yet", "later",
    "earlier", "first", "second", "third", "last", "welcome", "join", "watch", "read",
    "including", "like", "chaired", "hosted", "moderated", "led", "keynote", "speaker",
    "speakers", "panellist", "panellists", "panelist", "panelists",
}
#: Words that belong to organisations, places and events, never to a person's name.
_NOT_NAME_WORDS = {
    "day", "deep", "dive", "dives", "session", "sessions", "conference", "university", "school",
    "college", "press", "fund", "lab", "capital", "government", "faculty", "partnership", "hub",
    "science", "economy", "social", "outcomes", "public", "big", "picture", "book", "launch",
    "morning", "afternoon", "evening", "panel", "society", "finance", "research", "policy",
    "institute", "foundation", "trust", "centre", "center", "council", "network", "group",
    "agency", "ministry", "department", "office", "bank", "board", "global", "law", "england",
    "life", "chances", "sector", "reform", "governance", "collaborative", "sustainability",
    "perspectives", "approaches", "insights", "services", "service", "states", "fragile",
    "limited", "ltd", "inc", "association", "company", "committee", "commission", "authority",
    "team", "project", "programme", "program", "initiative", "forum", "summit", "festival",
    "week", "award", "awards", "prize", "street", "road", "house", "hall", "building", "square",
    "city", "county", "state", "national", "international", "european", "royal", "british",
    "american", "scottish", "welsh", "irish", "new", "north", "south", "east", "west",
    "central", "understanding", "procuring", "participatory", "navigating", "pursuing",
    "comparative", "firming", "handshake", "opening", "closing", "plenary", "workshop",
    "keynote", "lunch", "break", "reception", "networking", "highlights", "recap", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "europe", "asia", "africa", "americas", "oceania", "america",
    "economics", "management", "business", "studies", "innovation", "impact", "development",
    "health", "care", "education", "technology", "data", "digital", "media", "news", "online",
    "hybrid", "virtual", "oxford", "cambridge", "london", "museum", "library", "gallery",
    "church", "cathedral", "hospital", "clinic", "court", "parliament", "senate", "congress",
    "union", "federation", "alliance", "coalition", "consortium", "corporation", "partners",
    "ventures", "labs", "systems", "solutions", "consulting", "advisors", "associates",
    "fellowship", "scholars", "chair", "professor", "doctor", "contracting", "contracts",
    "procurement", "investing", "investment", "welcome", "introduction", "summary", "question",
    "questions", "answers", "q&a", "roundtable", "debate", "discussion", "talk", "lecture",
    "presentation", "masterclass", "seminar", "webinar", "series", "edition", "volume",
    "chapter", "part", "annual", "prof", "dr", "mr", "mrs", "ms", "sir", "dame", "world",
    "nations", "united", "kingdom", "republic",
}
_SPEECH_VERBS = (
    r"said|says|shared|spoke|explained|noted|argued|discussed|emphasised|emphasized|suggested|"
    r"suggests|reflected|highlighted|talked|looked|presented|described|stressed|added|asked|"
    r"reminded|left|challenged|concluded|urged|told|warned|pointed|remarked|observed|commented|"
    r"introduced|opened|closed|welcomed|showed|outlined|offered|gave|led|chaired|moderated|"
    r"hosted|joined|spoke|wrote|stated|believes|thinks|called|made|set|took|walked|brought|"
    r"focused|focussed|considered|recalled|insisted|agreed|responded|answered|proposed|"
    r"encouraged|celebrated|launched|unveiled|shares|notes|argues|explains|adds|asks"
)
VERB_AFTER = re.compile(rf"^(?: +(?:also|then|later|further|briefly))? +(?:{_SPEECH_VERBS})\b")
PAREN_ORG = re.compile(r"^ *\((?P<org>[^()]{1,100})\)")
OF_ORG = re.compile(rf"^,? +(?:of|from|at) +(?:the +)?(?P<org>{_ORG})(?P<extra>, +{_ORG}(?=,))?")
ORG_BEFORE = re.compile(rf"(?P<org>{_ORG})['’]s +(?:own +)?$")
CHAIR_BEFORE = re.compile(
    rf"\b(?:chaired|moderated|facilitated|convened) by +(?:(?:{_ORG})['’]s +)?$", re.IGNORECASE)
CUE_BEFORE = re.compile(
    r"\b(?:by|with|from|speakers?|panell?ists?|keynote speaker|featuring|including|and)[ ,:]+$",
    re.IGNORECASE)
EDITOR_BEFORE = re.compile(r"\bedited by +$", re.IGNORECASE)
CONTRIBUTOR_BEFORE = re.compile(r"\b(?:contributions? from\b.*\bincluding|contributors "
                                 r"(?:include|including|are)) *:? *$", re.IGNORECASE)
LIST_GAP = re.compile(rf"(?:, *|,? +and +)(?:(?:{_ORG})['’]s +(?:own +)?)?")
ORG_HINT = re.compile(r"\b(?:University|College|Institute|School|Faculty|Council|Centre|Center|"
                       r"Foundation|Trust|Lab|Hub|Group|Department|Ministry|Government)\b")


def valid_name(name: str) -> str | None:
    """Return the name without leading sentence words, or None when it is not a person's name."""
    words = name.split()
    while words and words[0].lower() in _FUNCTION_WORDS:
        words.pop(0)
    if len(words) < 2 or len(" ".join(words)) > 120:
        return None
    if any(w.lower().strip("’'") in _NOT_NAME_WORDS or w.lower() in _FUNCTION_WORDS
           for w in words if not re.fullmatch(_PARTICLE, w)):
        return None
    return " ".join(words)


def clean_org(org: str | None, name: str = "") -> str | None:
    if not org:
        return None
    org = org.strip(" .,;:")
    org = re.sub(r"^(?:the|The) +", "", org)
    if not org or len(org) > 200:
        return None
    initials = "".join(w[0] for w in name.split() if w[:1].isupper())
    if org == initials:  # "Life Chances Fund (LCF)": an acronym, not an affiliation
        return None
    return org
