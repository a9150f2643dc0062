"""Domain errors raised by the service modules; the views map them to HTTP in one place."""

from __future__ import annotations

from dataclasses import dataclass, field


class WikiError(Exception):
    """Base of every error the wiki reports to a user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(WikiError):
    """The page, revision or user does not exist (or may not be seen)."""


class Forbidden(WikiError):
    """The user may not do this."""


class InvalidInput(WikiError):
    """The submitted data cannot be saved; ``errors`` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class EditConflict(WikiError):
    """Someone saved the page after the edit began and the changes overlap.

    Carries everything the conflict screen needs so that the user's text is never lost.
    """

    slug: str
    title: str
    mine: str
    theirs: str
    merged: str
    current_number: int
    summary: str = ""
    tags: str = ""  # the tags the user's form had
    values: dict[str, str] | None = None  # the field values it had (None: it had no fields)
    message: str = field(default="Someone else saved this page while you were editing it.")
    # The revision the edit began from (0: a new page), and who saved after it, newest
    # first (wiki.content.conflicts.SavedBy), for the screen to name them.
    base_number: int = 0
    saved_by: tuple = ()

    def __post_init__(self):
        super().__init__(self.message)
