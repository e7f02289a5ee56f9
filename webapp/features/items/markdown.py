"""Markdown descriptions: CommonMark rendered by markdown-it-py, then cleaned by nh3.

Raw HTML in the source is escaped (``html=False``) and the rendering is sanitised again
with an allow-list, so no script, event handler, style or ``javascript:`` URL survives.

Mentions: ``@handle`` where the handle is the lower-cased local part of a project
member's e-mail address (``grace.hopper@example.com`` → ``@grace.hopper``). Only handles of
the given members become mentions; code spans and blocks are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MENTION = re.compile(r"(?<![\w@.])@([a-z0-9][a-z0-9._+-]*[a-z0-9]|[a-z0-9])", re.IGNORECASE)
MAX_LENGTH = 65535

TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol",
    "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "table", "thead", "tbody", "tr",
    "th", "td", "span",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "span": {"class", "data-user-id"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}


def handle_of(email: str | None) -> str:
    """The mention handle of an e-mail address (its lower-cased local part)."""
    return (email or "").split("@", 1)[0].strip().lower()


def _mentions_rule(state: StateCore) -> None:
    people: Mapping[str, str] = state.env.get("people") or {}
    found: list[str] = state.env.setdefault("mentioned", [])
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for token in block.children:
            if token.type == "link_open":
                link_depth += 1
            elif token.type == "link_close":
                link_depth -= 1
            if token.type != "text" or link_depth or "@" not in token.content:
                children.append(token)
                continue
            pos = 0
            for match in MENTION.finditer(token.content):
                user_id = people.get(match.group(1).lower())
                if user_id is None:
                    continue
                if match.start() > pos:
                    children.append(_text(token.content[pos:match.start()]))
                html = Token("html_inline", "", 0)
                html.content = (f'<span class="mention" data-user-id="{escape(user_id)}">'
                                f"@{escape(match.group(1))}</span>")
                children.append(html)
                if user_id not in found:
                    found.append(user_id)
                pos = match.end()
            if pos < len(token.content):
                children.append(_text(token.content[pos:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MD.enable(["table", "strikethrough"])
_MD.core.ruler.push("keel_mentions", _mentions_rule)


def render(text: str | None, people: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """``(safe html, mentioned user ids in order)`` for Markdown ``text``.

    ``people`` maps mention handles to user ids (see ``handle_of``).
    """
    source = text or ""
    if not source.strip():
        return "", []
    env: dict[str, Any] = {"people": dict(people or {})}
    raw = _MD.render(source, env)
    return sanitise(raw), list(env.get("mentioned") or [])


def sanitise(html: str) -> str:
    """Allow-list cleaning of rendered HTML (links get ``rel=noopener noreferrer nofollow``)."""
    return nh3.clean(
        html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow", strip_comments=True,
    )


def people_map(members: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Handles → user ids from rows carrying ``user_id`` and ``email``."""
    out: dict[str, str] = {}
    for row in members:
        handle = handle_of(row.get("email"))
        if handle and handle not in out:
            out[handle] = str(row["user_id"])
    return out
