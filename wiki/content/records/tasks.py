"""Action items in the text: a task-list line may name an owner and a due date,
``- [ ] @alice 2026-12-31 book the freight elevator`` (either first, both optional).

:func:`task_items_plugin` (a markdown-it core rule, after the task-list plugin) shows the
owner as a link to their profile and the date as a date, and records every task of the text,
in order, in ``env["tasks"]``: :func:`wiki.content.render.render_markdown` returns them, and
the save path stores them (:mod:`wiki.content.records.action_items`). An unknown username still
shows as a mention (the profile answers that there is no such person) and an impossible date
(2026-02-30) as text marked so: never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MAX_TASK_TEXT_CHARS = 300
"""What an action item keeps of its line's text (lists show it; the page has it all)."""

_OWNER = r"@([A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?)"
_DUE = r"(\d{4}-\d{2}-\d{2})"
# "@alice 2026-12-31 text", "2026-12-31 @alice text", "@alice text", "2026-12-31 text".
_LEAD = re.compile(
    rf"\s*(?:{_OWNER}(?:\s+{_DUE})?|{_DUE}(?:\s+{_OWNER})?)(?=\s|$)\s*",
)
_CHECKBOX = 'class="task-list-item-checkbox"'


@dataclass(frozen=True)
class TaskItem:
    """One task-list line: its place among the text's tasks, the (0-based) line of the
    text it starts on, whether it is ticked, the owner's username as typed (None: nobody),
    the due date (None: none or impossible; the date as typed in ``due_text``) and its
    text."""

    position: int
    line: int
    done: bool
    owner: str | None
    due: date | None
    due_text: str | None
    text: str


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def split_lead(text: str) -> tuple[str | None, str | None, str]:
    """The owner (without ``@``), the date as typed and the rest of a task's text."""
    match = _LEAD.match(text)
    if match is None:
        return None, None, text
    owner = match.group(1) or match.group(4)
    due = match.group(2) or match.group(3)
    return owner, due, text[match.end() :]


def _lead_html(owner: str | None, due: str | None) -> str:
    parts = []
    if owner is not None:
        name = escapeHtml(owner)
        parts.append(f'<a class="mention" href="/-/people/{name}">@{name}</a>')
    if due is not None:
        valid = _date(due) is not None
        parts.append(
            f'<span class="due">{escapeHtml(due)}</span>'
            if valid
            else f'<span class="due impossible" title="Not a date in the calendar">{escapeHtml(due)}</span>'
        )
    return " ".join(parts) + " "


def _tasks_rule(state: StateCore) -> None:
    tasks: list[TaskItem] = state.env.setdefault("tasks", [])
    for token in state.tokens:
        children = token.children
        if token.type != "inline" or not children or children[0].type != "html_inline":
            continue
        if _CHECKBOX not in children[0].content:
            continue
        done = " checked" in children[0].content
        owner = due = None
        if len(children) > 1 and children[1].type == "text":
            owner, due, rest = split_lead(children[1].content)
            if owner is not None or due is not None:
                lead = Token("html_inline", "", 0)
                lead.content = _lead_html(owner, due)
                children[1].content = rest
                children.insert(1, lead)
        text = token.content[3:]  # after "[ ]" (the check box)
        if owner is not None or due is not None:
            text = split_lead(text)[2]
        tasks.append(
            TaskItem(
                position=len(tasks),
                line=token.map[0] if token.map else -1,
                done=done,
                owner=owner,
                due=_date(due),
                due_text=due,
                text=" ".join(text.split())[:MAX_TASK_TEXT_CHARS],
            )
        )


_MENTION_OPEN = re.compile(r'<a class="mention" href="/-/people/([^"/?#]+)"')
UNKNOWN_PERSON_TITLE = "No one has this username"


def mentioned(html: str) -> set[str]:
    """The usernames the mentions of rendered ``html`` name (as written)."""
    return set(_MENTION_OPEN.findall(html))


def mark_unknown_people(html: str, known_keys: set[str]) -> str:
    """Mark the mentions of rendered ``html`` whose username (case-folded) is not in
    ``known_keys``: shown as naming nobody, never an error. Raises nothing."""

    def mark(match: re.Match[str]) -> str:
        if match.group(1).casefold() in known_keys:
            return match.group(0)
        return (
            f'<a class="mention unknown" title="{UNKNOWN_PERSON_TITLE}" '
            f'href="/-/people/{match.group(1)}"'
        )

    return _MENTION_OPEN.sub(mark, html)


def task_items_plugin(md: MarkdownIt) -> None:
    """Owners and due dates in task lists, and the list of tasks in ``env["tasks"]``."""
    # Last, so that tasks are counted in the order the page shows them (footnotes move to
    # the end in a core rule of their own).
    md.core.ruler.push("action-items", _tasks_rule)
