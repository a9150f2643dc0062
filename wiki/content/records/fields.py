"""Structured fields of a page: the small typed form a record (a lesson, an incident, a
decision) carries above its text.

A page's :class:`Record` (which fields, of which types, with which values) is stored with
each revision (``revisions.fields``), so history, diffs and restores cover it like the text.
The fields come from the template the page started from (:mod:`wiki.content.records.page_templates`)
or from the page it was copied from; values are validated here by type, with messages that
name the field.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from wiki.errors import InvalidInput

MAX_VALUE_CHARS = 200
MAX_FIELDS = 20
MAX_CHOICES = 30
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}\Z")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z")
_USERNAME = re.compile(r"@?([\w.-]{1,64})\Z")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class FieldType(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    CHOICE = "choice"
    PERSON = "person"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record: ``name`` is what search and the Lessons view use
    (``team:logistics``), ``label`` what people read."""

    name: str
    label: str
    type: FieldType = FieldType.TEXT
    choices: tuple[str, ...] = ()

    def as_json(self) -> dict:
        stored: dict = {"name": self.name, "label": self.label, "type": self.type.value}
        if self.choices:
            stored["choices"] = list(self.choices)
        return stored

    @classmethod
    def from_json(cls, stored: Mapping) -> FieldSpec:
        """The spec ``as_json`` wrote; raises ValueError for anything else."""
        name, label = stored.get("name"), stored.get("label")
        if not isinstance(name, str) or not _NAME.match(name) or not isinstance(label, str):
            raise ValueError(f"not a field: {stored!r}")
        choices = stored.get("choices", [])
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            raise ValueError(f"bad choices: {choices!r}")
        return cls(name, label[:100], FieldType(stored.get("type", "text")), tuple(choices))


@dataclass(frozen=True)
class Record:
    """The fields of one revision: of what kind (the template's key, e.g.
    ``lessons-learned``), which fields and their values (as validated; '' when empty)."""

    kind: str = ""
    fields: tuple[FieldSpec, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def filled(self) -> list[tuple[FieldSpec, str]]:
        """The fields that have a value, in order."""
        return [
            (spec, self.values[spec.name]) for spec in self.fields if self.values.get(spec.name)
        ]

    def with_values(self, values: Mapping[str, str]) -> Record:
        return Record(self.kind, self.fields, dict(values))

    def as_json(self) -> dict | None:
        """What ``revisions.fields`` stores (None for a page without fields)."""
        if not self.fields:
            return None
        return {
            "kind": self.kind,
            "fields": [spec.as_json() for spec in self.fields],
            "values": {name: value for name, value in self.values.items() if value},
        }

    @classmethod
    def from_json(cls, stored) -> Record:
        """The record ``as_json`` stored; an empty record for None or anything unreadable
        (a value written by a newer release is not a reason to fail a page view)."""
        if not isinstance(stored, Mapping):
            return cls()
        try:
            specs = tuple(FieldSpec.from_json(spec) for spec in stored.get("fields", []))
        except (ValueError, TypeError, AttributeError):
            return cls()
        values = stored.get("values", {})
        if not isinstance(values, Mapping):
            values = {}
        names = {spec.name for spec in specs}
        kept = {k: v for k, v in values.items() if k in names and isinstance(v, str)}
        kind = stored.get("kind", "")
        return cls(kind if isinstance(kind, str) else "", specs, kept)


def _check_date(text: str) -> str | None:
    match = _ISO_DATE.match(text)
    if match is None:
        return "write a date as YYYY-MM-DD, for example 2026-12-31"
    try:
        date(*(int(part) for part in match.groups()))
    except ValueError:
        return f"{text} is not a date in the calendar"
    return None


def _clean_number(text: str) -> tuple[str, str | None]:
    compact = text.replace(" ", "").replace("\u202f", "").replace("_", "")
    # "1,200" is a thousands separator; "1,5" a decimal comma.
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", compact):
        compact = compact.replace(",", "")
    elif compact.count(",") == 1 and "." not in compact:
        compact = compact.replace(",", ".")
    if not _NUMBER.match(compact):
        return text, "write a number, for example 12 or 3.5"
    try:
        number = Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return text, "write a number, for example 12 or 3.5"
    if abs(number) >= Decimal(10) ** 15:
        return text, "the number is too large"
    return format(number.normalize(), "f"), None


def clean_values(
    fields: tuple[FieldSpec, ...],
    raw: Mapping[str, str],
    person_named: Callable[[str], str | None],
) -> dict[str, str]:
    """The values typed for ``fields``, normalised by type: text with single spaces, dates
    as YYYY-MM-DD, numbers without separators, a choice as listed, a person as their
    username (``person_named`` gives the username of an account, None for no one).
    Every field may be left empty.

    Raises InvalidInput keyed ``field-<name>`` for each value that is wrong, all at once.
    """
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for spec in fields:
        text = " ".join(str(raw.get(spec.name, "")).split())
        if not text:
            continue
        problem: str | None = None
        if len(text) > MAX_VALUE_CHARS:
            problem = f"at most {MAX_VALUE_CHARS} characters"
        elif _CONTROL.search(text):
            problem = "control characters cannot be saved"
        elif spec.type is FieldType.DATE:
            problem = _check_date(text)
        elif spec.type is FieldType.NUMBER:
            text, problem = _clean_number(text)
        elif spec.type is FieldType.CHOICE:
            chosen = next((c for c in spec.choices if c.casefold() == text.casefold()), None)
            if chosen is None:
                problem = "choose one of " + ", ".join(spec.choices)
            else:
                text = chosen
        elif spec.type is FieldType.PERSON:
            match = _USERNAME.match(text)
            username = person_named(match.group(1)) if match else None
            if username is None:
                problem = f"no one has the username {text.lstrip('@')}"
            else:
                text = username
        if problem is not None:
            errors[f"field-{spec.name}"] = f"{spec.label}: {problem}."
        else:
            values[spec.name] = text
    if errors:
        raise InvalidInput(errors)
    return values


def check_schema(fields: tuple[FieldSpec, ...]) -> None:
    """Raises ValueError for a schema no record may have (too many fields or choices, or
    one name twice); the built-in templates and copied records are checked with it."""
    if len(fields) > MAX_FIELDS:
        raise ValueError(f"a record has at most {MAX_FIELDS} fields")
    names = [spec.name for spec in fields]
    if len(set(names)) != len(names):
        raise ValueError("two fields have the same name")
    for spec in fields:
        if spec.type is FieldType.CHOICE and not 0 < len(spec.choices) <= MAX_CHOICES:
            raise ValueError(f"{spec.name}: a choice needs 1 to {MAX_CHOICES} choices")


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str  # '' when it had no value
    after: str


def changes(old: Record, new: Record) -> list[FieldChange]:
    """The fields whose value differs between two revisions' records, in the new record's
    order, then the fields only the old one had."""
    labels = {spec.name: spec.label for spec in (*old.fields, *new.fields)}
    names = [spec.name for spec in new.fields]
    names += [spec.name for spec in old.fields if spec.name not in names]
    return [
        FieldChange(labels[name], old.value(name), new.value(name))
        for name in names
        if old.value(name) != new.value(name)
    ]
