"""What the web interface changes: forms to add and update the register's records, built from
the model's own record classes, and the forms the workflow needs beyond them.

- ``/new/{collection}`` and ``/r/{id}/edit``: a form built from the record class (text, dates,
  choices, references to other records, several references, yes/no, numbers, rows of nested
  records such as a course's evaluations or an audit's grades).
- ``/r/{id}/stage``: a review's next stage, dated, with a note.
- ``/r/{id}/status``: an action's new status, dated, with a note.
- ``/r/{id}/value``: a measure's value for a period.
- ``/r/{id}/attach``: files attached to an evidence record (kept by :mod:`lif_web.attachments`).
- ``/r/{id}/s11/{partner}``: an agency's Section 11 return inside an audit (the agency fills in
  its own self-assessment; the board's administrators moderate).

Every POST passes the CSRF check (middleware) and the role check (``require``/``can_change``:
403, nothing written) before the register is touched; every write goes through the Register
(the same checks and history as the CLI; who = the signed-in account) with ``expected=`` the
version the form was opened at. The register's refusal comes back as the form again (400) with
each message beside the field its key path names, in the CLI's words; a change made by someone
else meanwhile comes back as a 409 page saying who changed it and when, their version beside
yours, nothing written. An uploaded file is written to the board's attachments only inside the
write's transaction, once the write is accepted: a refused write leaves no file behind.

The workflow forms (stage, status, value, attach) are one helper, :func:`_workflow`, given what
differs; every handler is a plain ``def`` (run in Starlette's thread pool), so a write waiting
for the register's lock never holds up the worker's other requests.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lif_core import COLLECTIONS, LifError

from . import attachments, web

__all__ = ["EDITABLE", "Field", "Form", "Rows", "build_form", "errors_by_field", "parse_form", "routes"]

# --------------------------------------------------------------------------- what is editable

#: Collections the web forms add and update, and what each calls one of its records.
EDITABLE: dict[str, str] = {
    "reviews": "case review",
    "findings": "finding",
    "recommendations": "recommendation",
    "actions": "action",
    "evidence": "evidence item",
    "audits": "audit",
    "planned_audits": "planned audit",
    "section11_audits": "Section 11 audit",
    "courses": "course",
    "measures": "measure",
}

#: Keys the generic form leaves alone (kept as they are): each has its own form, or is not
#: something the people keeping the register type in.
SKIPPED: dict[str, frozenset[str]] = {
    "reviews": frozenset({"stage_log", "options", "quality", "artefacts", "statutory_plans"}),
    "actions": frozenset({"status", "status_log"}),
    "evidence": frozenset({"attachments"}),
    "section11_audits": frozenset({"returns"}),
    "measures": frozenset(
        {
            "values",
            "inputs",
            "select",
            "comparators",
            "baseline",
            "target",
            "period_column",
            "value_column",
            "indicator",
            "source",
            "amber_margin",
        }
    ),
}
#: Keys shown only on the form that adds a record (changed afterwards by their own form).
ONLY_NEW: dict[str, frozenset[str]] = {"reviews": frozenset({"stage"})}

#: Long text: a text area rather than a line.
LONG_TEXT = frozenset(
    {"text", "summary", "child_lived_experience", "description", "said", "did", "note", "remit", "response"}
)

#: Labels where the key's own words would not do.
LABELS: dict[str, str] = {
    "id": "Identifier",
    "child_lived_experience": "Child's lived experience",
    "child_views": "Child's views",
    "good_practice": "Good practice",
    "commissioned_by": "Commissioned by",
    "rapid_review": "Rapid review",
    "report_received": "Report received",
    "board_response": "Board response",
    "practitioner_event": "Practitioner event held",
    "self_assessed": "Self-assessed",
    "confidence_before": "Confidence before",
    "confidence_after": "Confidence after",
    "practice_change": "Practice changed",
    "accredited_by": "Accredited by",
    "no_shows": "No-shows",
}
#: Fields an agency editor's new record is owned through (filled in with its agency).
OWNER_KEYS = ("owner", "source", "provider", "partner")


def label_of(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


# --------------------------------------------------------------------------- form structure


@attrs.frozen
class Field:
    """One input. ``name`` is the key path in the record (``due``, ``dates.decided``,
    ``evaluations[2].level``), used as the input's name, so an error's key path names it.

    ``kind``: text, textarea, lines (one value a line), date, choice, multi (several choices),
    bool, int, float, or static (shown, not changed)."""

    name: str
    label: str
    kind: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    #: A choice may be left empty (``(none)``): the key is optional and has no other default.
    nullable: bool = True
    #: The key's default as the form shows it (where the stored record leaves the key out).
    default: Any = ""

    @property
    def html_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-")

    @property
    def is_rows(self) -> bool:
        return False

    def at(self, prefix: str) -> Field:
        """The same field inside a row (``evaluations[0].``)."""
        return attrs.evolve(self, name=prefix + self.name)


@attrs.frozen
class Rows:
    """A list of nested records (a course's evaluations, an audit's grades): one row of
    ``columns`` each, with a box to remove it, and ``blank`` empty rows to add more (several
    added by saving and coming back: the form works without JavaScript)."""

    name: str
    label: str
    columns: tuple[Field, ...]
    help: str = ""
    blank: int = 1
    fixed: bool = False  # a row per given item (a Section 11 return's standards): none added or removed

    @property
    def is_rows(self) -> bool:
        return True

    @property
    def html_id(self) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-")

    def prefix(self, index: int) -> str:
        return f"{self.name}[{index}]."


@attrs.define
class Form:
    """A form as shown: its items, the values in it, the errors beside each field and those
    that name no field (shown at the top), and the record version it was opened at."""

    items: list[Field | Rows]
    values: dict[str, Any] = attrs.field(factory=dict)
    errors: dict[str, list[str]] = attrs.field(factory=dict)
    general: list[str] = attrs.field(factory=list)
    version: int | None = None
    row_counts: dict[str, int] = attrs.field(factory=dict)

    def value(self, name: str) -> Any:
        return self.values.get(name, "")

    def chosen(self, name: str) -> list[str]:
        value = self.values.get(name)
        if value is None or value == "":
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def rows_of(self, rows: Rows) -> list[tuple[int, str]]:
        """``(index, prefix)`` of every row to show (existing rows, then blank ones)."""
        count = self.row_counts.get(rows.name, 0)
        total = count if rows.fixed else count + rows.blank
        return [(i, rows.prefix(i)) for i in range(total)]

    def error_list(self) -> list[tuple[str, str, str]]:
        """``(field id or "", label, message)`` for the summary at the top."""
        out: list[tuple[str, str, str]] = [("", "", m) for m in self.general]
        labels = _labels(self.items)
        for name, messages in self.errors.items():
            html_id, label = labels.get(name, ("", name))
            out += [(html_id, label, m) for m in messages]
        return out


def _labels(items: Iterable[Field | Rows]) -> dict[str, tuple[str, str]]:
    labels: dict[str, tuple[str, str]] = {}
    for item in items:
        labels[item.name] = (item.html_id, item.label)
    return labels


# --------------------------------------------------------------------------- from the model


@functools.cache
def _docs(cls: type) -> dict[str, str]:
    """``key -> description`` from the class's ``Attributes:`` docstring section."""
    doc = cls.__doc__ or ""
    out: dict[str, str] = {}
    _head, found, body = doc.partition("Attributes:")
    if not found:
        return out
    current = None
    for line in body.splitlines():
        match = re.match(r"^\s{4,8}([a-z_]+(?:\s*/\s*[a-z_]+)*):\s*(.*)$", line)
        if match:
            current = match.group(1)
            for key in re.split(r"\s*/\s*", current):
                out[key] = match.group(2).strip()
            continue
        if current and line.strip() and line.startswith(" " * 10):
            for key in re.split(r"\s*/\s*", current):
                out[key] += " " + line.strip()
        elif not line.strip():
            current = None
    cleaned = {k: re.sub(r"``([^`]*)``", r"\1", v) for k, v in out.items()}
    return {k: v[:1].upper() + v[1:] for k, v in cleaned.items()}


def _plain(typ: Any) -> tuple[Any, bool]:
    """``(type without None, whether None is allowed)``."""
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(typ) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return typ, False


def _record_label(record: Any) -> str:
    for key in ("title", "name", "label", "topic", "cycle", "text", "period"):
        value = getattr(record, key, None)
        if isinstance(value, str) and value.strip():
            short = value if len(value) <= 70 else value[:69].rstrip() + "…"
            return f"{short} ({record.id})"
    return str(record.id)


def _ref_choices(loaded: Any, collections: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if loaded is None:
        return ()
    for collection in collections:
        if collection in COLLECTIONS:
            out += [(item.id, _record_label(item)) for item in loaded.board.collection(collection)]
    return tuple(out)


def _term_choices(loaded: Any, vocabulary: str) -> tuple[tuple[str, str], ...] | None:
    framework = getattr(loaded, "framework", None)
    if framework is None:
        return None
    return tuple((name, f"{framework.title_of(vocabulary, name)}") for name in framework.names(vocabulary))


def _plugin_choices(plugins: Any, registry: str) -> tuple[tuple[str, str], ...] | None:
    if plugins is None:
        return None
    try:
        found = plugins.registry(registry, strict=False)
    except (KeyError, LifError):
        return None
    return tuple((item.name, getattr(item, "title", "") or item.name) for item in found)


def _enum_choices(cls: type[enum.Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((str(m.value), str(m.value).replace("-", " ").capitalize()) for m in cls)


def fields_of(
    cls: type,
    loaded: Any,
    plugins: Any = None,
    *,
    skip: Iterable[str] = (),
    new: bool = True,
    grades: Sequence[str] | None = None,
    nested: bool = False,
) -> list[Field | Rows]:
    """The form items for a record class: one per key the form can show (keys in ``skip``,
    narratives, mappings and optional nested records are left out, and kept as they are).
    ``grades``: the values of the grade scale a grade is given on (audit grades, Section 11
    scores), where the record has one."""
    items = _fields_of(cls, loaded, plugins, skip=skip, new=new, grades=grades, nested=nested)
    defaults = {a.name: _default_shown(a) for a in attrs.fields(cls)}
    return [
        attrs.evolve(i, default=defaults[i.name]) if isinstance(i, Field) and i.name in defaults else i for i in items
    ]


def _default_shown(a: attrs.Attribute[Any]) -> Any:
    default = a.default
    if default is attrs.NOTHING or default is None or isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        return ""
    if isinstance(default, enum.Enum):
        return str(default.value)
    if isinstance(default, bool):
        return default
    if isinstance(default, (int, float, str)):
        return str(default)
    return ""


def _fields_of(
    cls: type,
    loaded: Any,
    plugins: Any,
    *,
    skip: Iterable[str],
    new: bool,
    grades: Sequence[str] | None,
    nested: bool,
) -> list[Field | Rows]:
    skipped = set(skip)
    docs = _docs(cls)
    items: list[Field | Rows] = []
    for a in attrs.fields(cls):
        if a.name in skipped or a.metadata.get("narrative"):
            continue
        meta, help_text = a.metadata, docs.get(a.name, "")
        required = a.default is attrs.NOTHING
        typ, optional = _plain(a.type)
        origin = typing.get_origin(typ)
        label = label_of(a.name)
        if meta.get("id"):
            if new and not nested:
                items.append(
                    Field(
                        "id",
                        label,
                        "text",
                        True,
                        help="Its identifier across the whole board: letters, digits, '-', '_' or '.', as in rr-baby-m",
                    )
                )
            continue
        many = origin is tuple
        if "ref" in meta:
            choices = _ref_choices(loaded, meta["ref"])
            items.append(Field(a.name, label, "multi" if many else "choice", required, choices, help_text))
            continue
        if "term" in meta:
            terms = _term_choices(loaded, meta["term"])
            if terms is None:
                items.append(Field(a.name, label, "lines" if many else "text", required, help=help_text))
            else:
                items.append(Field(a.name, label, "multi" if many else "choice", required, terms, help_text))
            continue
        if "plugin" in meta:
            names = _plugin_choices(plugins, meta["plugin"])
            kind = "text" if names is None else "choice"
            items.append(Field(a.name, label, kind, required, names or (), help_text))
            continue
        if a.name in ("grade", "self_assessed", "moderated") and grades:
            items.append(Field(a.name, label, "choice", required, tuple((g, g) for g in grades), help_text))
            continue
        if many:
            (inner,) = typing.get_args(typ)[:1] or (str,)
            if attrs.has(inner):
                if nested:
                    continue
                columns = fields_of(inner, loaded, plugins, new=True, grades=grades, nested=True)
                if all(not c.is_rows for c in columns):
                    items.append(Rows(a.name, label, tuple(c for c in columns if isinstance(c, Field)), help_text))
                continue
            if inner is str:
                items.append(Field(a.name, label, "lines", required, help=help_text or "One a line"))
            continue
        if attrs.has(typ):
            if optional or nested:
                continue
            for sub in fields_of(typ, loaded, plugins, new=new, nested=True):
                if isinstance(sub, Field):
                    items.append(attrs.evolve(sub, name=f"{a.name}.{sub.name}", label=sub.label, help=sub.help))
            continue
        if origin is dict or typ is dict:
            continue
        if isinstance(typ, type) and issubclass(typ, enum.Enum):
            items.append(
                Field(
                    a.name,
                    label,
                    "choice",
                    required and not optional,
                    _enum_choices(typ),
                    help_text,
                    nullable=optional,
                )
            )
        elif typ is bool:
            items.append(Field(a.name, label, "bool", False, help=help_text))
        elif typ is int:
            items.append(Field(a.name, label, "int", required, help=help_text))
        elif typ is float:
            items.append(Field(a.name, label, "float", required, help=help_text))
        elif typ is dt.date:
            items.append(Field(a.name, label, "date", required and not optional, help=help_text))
        elif typ is str:
            kind = "textarea" if a.name in LONG_TEXT else "text"
            validators = _validators(a)
            nonblank = any(getattr(v, "__name__", "") == "_check_nonblank" for v in validators)
            items.append(Field(a.name, label, kind, required or nonblank, help=help_text))
    return items


def _validators(a: attrs.Attribute[Any]) -> list[Any]:
    validator = a.validator
    if validator is None:
        return []
    inner = getattr(validator, "_validators", None)
    return list(inner) if inner is not None else [validator]


def build_form(
    collection: str,
    loaded: Any,
    plugins: Any = None,
    *,
    record: Mapping[str, Any] | None = None,
    version: int | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Form:
    """The add form (``record`` None) or edit form of a register collection, filled in."""
    cls = COLLECTIONS[collection]
    new = record is None
    skip = set(SKIPPED.get(collection, ()))
    if not new:
        skip |= ONLY_NEW.get(collection, frozenset())
    grades = _grades(loaded, record)
    items = fields_of(cls, loaded, plugins, skip=skip, new=new, grades=grades)
    if new and collection == "reviews" and loaded is not None and getattr(loaded, "framework", None) is not None:
        stages = loaded.framework.stage_names()
        items = [
            attrs.evolve(i, kind="choice", choices=tuple((s, s.replace("-", " ").capitalize()) for s in stages))
            if i.name == "stage" and isinstance(i, Field)
            else i
            for i in items
        ]
    if collection == "reviews" and getattr(loaded, "framework", None) is not None:
        items = [_decision_field(i, loaded.framework, record) if i.name == "decision" else i for i in items]
    form = Form(items, version=version)
    if record is None:
        form.values = _defaults(items, cls, defaults or {})
    else:
        form.values, form.row_counts = values_of(items, record)
    return form


def _decision_field(item: Field | Rows, framework: Any, record: Mapping[str, Any] | None) -> Field | Rows:
    """A review's decision as a choice among its kind's decisions (every kind's, for a new one)."""
    if not isinstance(item, Field):
        return item
    kinds = [framework.review_kind(str(record.get("kind")))] if record else list(framework.review_kinds)
    choices: dict[str, str] = {}
    for kind in kinds:
        for decision in getattr(kind, "decisions", ()) if kind is not None else ():
            label = decision.title if record else f"{decision.title} ({kind.title.lower()})"
            choices.setdefault(decision.name, label)
    if not choices:
        return item
    return attrs.evolve(item, kind="choice", choices=tuple(choices.items()))


def _grades(loaded: Any, record: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    framework = getattr(loaded, "framework", None)
    scale = record.get("scale") if record else None
    if framework is None or not scale:
        return None
    found = framework.scale(str(scale))
    return tuple(found.values) if found is not None else None


def _defaults(
    items: Sequence[Field | Rows], cls: type, given: Mapping[str, Any], *, today: bool = True
) -> dict[str, Any]:
    """The values a new record's form starts from: each key's default (today for a required
    date), then ``given``."""
    values: dict[str, Any] = {}
    for item in items:
        if isinstance(item, Field):
            values[item.name] = item.default
            if today and item.kind == "date" and item.required:
                values[item.name] = dt.date.today().isoformat()
    values.update(given)
    return values


def _get(data: Any, path: str) -> Any:
    current = data
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(current, list) or index >= len(current):
                return None
            current = current[index]
        else:
            if not isinstance(current, Mapping):
                return None
            current = current.get(part)
    return current


def _shown(field: Field, value: Any) -> Any:
    """A stored value as the form shows it."""
    if value is None:
        return False if field.kind == "bool" else ""
    if field.kind == "bool":
        return bool(value)
    if field.kind == "multi":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if field.kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if field.kind == "float" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def values_of(items: Sequence[Field | Rows], record: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    """The form's values and row counts for a stored record."""
    values: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for item in items:
        if isinstance(item, Rows):
            rows = record.get(item.name) or []
            counts[item.name] = len(rows)
            for i, row in enumerate(rows):
                for column in item.columns:
                    found = _get(row, column.name)
                    values[item.prefix(i) + column.name] = column.default if found is None else _shown(column, found)
        else:
            found = _get(record, item.name)
            values[item.name] = item.default if found is None else _shown(item, found)
    return values, counts


# --------------------------------------------------------------------------- reading a submitted form

_INT = re.compile(r"^[+-]?\d{1,18}$")


def _one(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def _many(data: Mapping[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and v.strip()]


def _converted(field: Field, data: Mapping[str, Any]) -> Any:
    """The value a field gives the record (None: not given, the key is removed). Numbers that
    do not read as numbers are passed on as text, for the register to refuse in its words."""
    if field.kind == "bool":
        return field.name in data and _one(data, field.name) not in ("", "0", "false", "off")
    if field.kind == "multi":
        return _many(data, field.name)
    raw = _one(data, field.name).replace("\r\n", "\n").replace("\r", "\n")
    if field.kind == "lines":
        return [line.strip() for line in raw.split("\n") if line.strip()]
    if not raw.strip():
        return "" if field.required and field.kind in ("text", "textarea") else None
    text = raw.strip()
    if field.kind == "int":
        return int(text) if _INT.match(text) else text
    if field.kind == "float":
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    return text


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    current = data
    for part in parts[:-1]:
        nested = current.get(part)
        if not isinstance(nested, dict):
            nested = {}
            current[part] = nested
        current = nested
    if value is None:
        current.pop(parts[-1], None)
    else:
        current[parts[-1]] = value


def parse_form(
    items: Sequence[Field | Rows], data: Mapping[str, Any], old: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The record keys a submitted form gives: every item's value (``None`` for a key to
    remove); nested keys as whole nested tables (the stored one, with the form's keys changed);
    rows as whole lists (rows left blank or marked to be removed dropped, keys the form does not
    show kept from the stored row)."""
    out: dict[str, Any] = {}
    for item in items:
        if isinstance(item, Rows):
            out[item.name] = _parse_rows(item, data, (old or {}).get(item.name) or [])
            continue
        value = _converted(item, data)
        if item.kind == "multi" and old is not None:
            value = _in_stored_order(value, _get(old, item.name))
        if "." in item.name:
            top = item.name.split(".", 1)[0]
            if top not in out:
                stored = (old or {}).get(top)
                out[top] = json.loads(json.dumps(stored)) if isinstance(stored, dict) else {}
            _set(out[top], item.name.split(".", 1)[1], value)
        else:
            out[item.name] = value
    return out


def _in_stored_order(chosen: list[str], stored: Any) -> list[str]:
    """The choices ticked, those already stored in their stored order first (a form lists the
    choices in the board's order; sending it back unchanged changes nothing)."""
    before = [v for v in stored if isinstance(v, str)] if isinstance(stored, list) else []
    return [v for v in before if v in chosen] + [v for v in chosen if v not in before]


def _row_indexes(rows: Rows, data: Mapping[str, Any]) -> list[int]:
    pattern = re.compile(re.escape(rows.name) + r"\[(\d{1,4})\]\.")
    found = {int(m.group(1)) for key in data for m in [pattern.match(key)] if m}
    return sorted(found)


def _parse_rows(rows: Rows, data: Mapping[str, Any], stored: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for index in _row_indexes(rows, data):
        prefix = rows.prefix(index)
        if _one(data, prefix + "remove"):
            continue
        row: dict[str, Any] = {}
        given = False
        for column in rows.columns:
            value = _converted(column.at(prefix), data)
            if value not in (None, "", [], False):
                given = True
            if value is not None:
                row[column.name] = value
        if not given:
            continue
        base = stored[index] if index < len(stored) and isinstance(stored[index], dict) else {}
        for column in rows.columns:
            if column.kind == "multi" and column.name in row:
                row[column.name] = _in_stored_order(row[column.name], base.get(column.name))
        merged = {**base, **row}
        for column in rows.columns:  # a column emptied on the form is removed from the row
            if column.name not in row:
                merged.pop(column.name, None)
        out.append(merged)
    return out


def submitted_values(items: Sequence[Field | Rows], data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    """What the person typed, to show the form again as they left it."""
    values: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for item in items:
        if isinstance(item, Rows):
            indexes = _row_indexes(item, data)
            counts[item.name] = (max(indexes) + 1) if indexes else 0
            for i in range(counts[item.name]):
                for column in item.columns:
                    field = column.at(item.prefix(i))
                    values[field.name] = _raw(field, data)
        else:
            values[item.name] = _raw(item, data)
    return values, counts


def _raw(field: Field, data: Mapping[str, Any]) -> Any:
    if field.kind == "bool":
        return field.name in data
    if field.kind == "multi":
        return _many(data, field.name)
    return _one(data, field.name)


# --------------------------------------------------------------------------- the register's refusals

_LINE = re.compile(
    r"^\s*(?P<label>[a-z0-9_]+(?:\[(?:'[^']*'|\"[^\"]*\")\])?)"
    r"(?P<path>(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*): (?P<message>.+)$"
)


def errors_by_field(
    message: str, names: Iterable[str], *, fallback: str | None = None
) -> tuple[dict[str, list[str]], list[str]]:
    """The register's refusal, split into messages beside the fields its key paths name
    (``actions['a-1'].due: ...`` beside ``due``; ``courses['c'].evaluations[0].level: ...``
    beside ``evaluations[0].level``) and those that name no field. A message naming no key path
    goes beside ``fallback`` where given."""
    known = set(names)
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    lines = [line for line in message.splitlines() if line.strip()]
    if lines and lines[0].strip().startswith("refused, nothing changed:") and len(lines) > 1:
        lines = lines[1:]
    for line in lines:
        match = _LINE.match(line)
        target = None
        text = line.strip()
        if match and match.group("path"):
            path = match.group("path").lstrip(".")
            text = match.group("message")
            while path:
                if path in known:
                    target = path
                    break
                shorter = re.sub(r"(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])$", "", path)
                if shorter == path:
                    break
                path = shorter
            if target is None:
                text = line.strip()
        elif "already used by" in text and "id" in known:
            target = "id"
        elif fallback is not None:
            target = fallback
        if target is None:
            general.append(text)
        else:
            by_field.setdefault(target, []).append(text)
    return by_field, general


def field_names(items: Iterable[Field | Rows], form: Form | None = None) -> list[str]:
    """Every name an error may be put beside: fields, rows, and each row's fields."""
    names: list[str] = []
    for item in items:
        names.append(item.name)
        if isinstance(item, Rows):
            count = form.row_counts.get(item.name, 0) + item.blank if form is not None else 50
            for i in range(max(count, 50)):
                names += [item.prefix(i) + c.name for c in item.columns]
    return names


# --------------------------------------------------------------------------- pages and handlers


class _NotAllowed(Exception):
    """Raised inside a write transaction where the record as it would be stored is not the
    signed-in account's to change: the transaction is rolled back, nothing written."""


class _Invalid(Exception):
    """A workflow form's own check refused what was sent, before the register was asked: the
    message in the register's words (``actions['a-1'].date: ...``), beside the field it names."""


@attrs.frozen
class _Change:
    """A submitted form's write (``write(register)``, returning the record as stored), the
    message shown after it, and ``then``: what else to do in the same transaction once the
    write is accepted (keep an uploaded file), so a refused write leaves nothing behind."""

    write: Callable[[Any], dict[str, Any]]
    done: str
    then: Callable[[], object] | None = None


@attrs.define
class _Page:
    """A form page: its heading, the address it posts to, and what else its template shows
    (``back``, ``record_id``, ``submit``, ``intro``...)."""

    request: Request
    heading: str
    action: str
    extra: dict[str, Any] = attrs.field(factory=dict)

    def show(self, form: Form, status: int = 200, **more: Any) -> Response:
        context = {"back": "/", "record_id": None, "intro": "", "submit": "Save", **self.extra, **more}
        template = context.pop("template", "forms/form.html")
        return web.render(
            self.request, template, status=status, title=self.heading, form=form, action=self.action, **context
        )


Theirs = Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, int]]]


def _noun(collection: str) -> str:
    return EDITABLE.get(collection, collection.rstrip("s").replace("_", " "))


def _read(request: Request, record_id: str) -> tuple[str, dict[str, Any], int]:
    """``(collection, record, version)`` of a register record as it is now (404 where none)."""
    from lif_core import StoreError
    from lif_core.commands import open_register

    try:
        with open_register(web.board_path(request), web.plugins(request), write=False) as reg:
            collection, record = reg.get(record_id)
            version = int(reg.version(record_id))
    except StoreError:
        raise HTTPException(404, f"There is no record {record_id!r} in the register.") from None
    return collection, record, version


def _expected(data: Mapping[str, Any]) -> int:
    text = _one(data, "version").strip()
    if not text.isdigit():
        raise HTTPException(400, "The form did not say which version of the record it was opened at: open it again.")
    return int(text)


def _note(data: Mapping[str, Any]) -> str:
    return _one(data, "note").replace("\r\n", "\n").strip()


def _drop_none(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _refused(form: Form, data: Mapping[str, Any], message: str, *, fallback: str | None = None) -> Form:
    """``form`` as the person left it, with the register's refusal beside its fields."""
    form.values, form.row_counts = submitted_values(form.items, data)
    form.errors, form.general = errors_by_field(message, field_names(form.items, form), fallback=fallback)
    return form


def _when(stamp: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def _conflict(
    page: _Page,
    exc: Any,
    form: Form,
    data: Mapping[str, Any],
    *,
    record_id: str,
    theirs: Theirs | None = None,
) -> Response:
    """The 409 page: who changed the record and when, their version beside yours (each value
    that differs), and the form with your values on their version, to save again knowingly.
    ``theirs``: the form's values as the record is now, where they are not simply its keys."""
    _collection, current, version = _read(page.request, record_id)
    change = getattr(exc, "change", None)
    now_values, now_counts = theirs(current) if theirs is not None else values_of(form.items, current)
    yours, counts = submitted_values(form.items, data)
    rows = []
    for item in form.items:
        if isinstance(item, Rows):
            for i in range(max(now_counts.get(item.name, 0), counts.get(item.name, 0))):
                prefix = item.prefix(i)
                row_label = now_values.get(prefix + "standard") or yours.get(prefix + "standard") or f"row {i + 1}"
                for column in item.columns:
                    if column.kind == "static":
                        continue
                    name = prefix + column.name
                    if _comparable(now_values.get(name)) != _comparable(yours.get(name)):
                        rows.append(
                            (
                                f"{item.label}, {row_label}: {column.label}",
                                _summary(now_values.get(name)),
                                _summary(yours.get(name)),
                            )
                        )
        elif item.kind not in ("file", "static") and _comparable(now_values.get(item.name)) != _comparable(
            yours.get(item.name)
        ):
            rows.append((item.label, _summary(now_values.get(item.name)), _summary(yours.get(item.name))))
    form.values, form.row_counts, form.version = yours, counts, version
    form.errors, form.general = {}, []
    who = getattr(change, "who", "") or "Someone else"
    when = _when(getattr(change, "at", "")) if change is not None else ""
    deleted = change is not None and getattr(change, "new", 1) is None
    return page.show(
        form,
        409,
        record_id=record_id,
        conflict={
            "who": who,
            "when": when,
            "rows": rows,
            "deleted": deleted,
            "yours": getattr(exc, "expected", None),
            "now": getattr(exc, "current", None),
            "note": getattr(change, "note", "") if change is not None else "",
        },
    )


def _comparable(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    if value is False or value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()


def _summary(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(blank)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(", ".join(f"{k} {v}" for k, v in row.items()) for row in value)
        return ", ".join(str(v) for v in value)
    return str(value)


def _write(
    request: Request,
    who: Any,
    collection: str,
    do: Callable[[Any], dict[str, Any]],
    *,
    record_id: str | None,
    then: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """Run ``do(register)`` in one transaction, then check the record as stored against the
    role matrix, beside the record as it was inside that same transaction (``record_id``; None
    for a new record): where it is not the account's to write, everything is rolled back (403).
    ``then()`` runs last inside the transaction, only once the write is accepted (an uploaded
    file is kept there: a refused write leaves no file behind)."""
    from lif_core import StoreError

    loaded = web.loaded_board(request)
    with web.register(request) as reg:
        try:
            with reg.transaction():
                before: dict[str, Any] | None = None
                if record_id is not None:
                    try:
                        before = reg.get(record_id)[1]
                    except StoreError:  # gone: the write below says so (a conflict)
                        before = None
                stored = do(reg)
                if not web.can_change(who, collection, stored, loaded, before=before):
                    raise _NotAllowed
                if then is not None:
                    then()
        except _NotAllowed:
            raise web.forbidden(
                f"Your account may not make this change to a {_noun(collection)}; nothing was changed."
            ) from None
    return stored


def _as_is(message: str) -> str:
    return message


def _save(
    page: _Page,
    who: Any,
    collection: str,
    form: Form,
    data: Mapping[str, Any],
    change: _Change,
    *,
    record_id: str,
    theirs: Theirs | None = None,
    paths: Callable[[str], str] = _as_is,
    fallback: str | None = None,
) -> Response:
    """Make ``change`` to the record ``record_id`` (:func:`_write`): the record's page after it,
    with ``change.done`` shown. Where someone else changed the record meanwhile, the 409 page
    (:func:`_conflict`, ``theirs``); where the register refuses it, the form again (400) with
    each message beside the field its key path names once ``paths`` has mapped it (else
    beside ``fallback``)."""
    from lif_core import ConflictError, LifError

    try:
        _write(page.request, who, collection, change.write, record_id=record_id, then=change.then)
    except ConflictError as exc:
        return _conflict(page, exc, form, data, record_id=record_id, theirs=theirs)
    except LifError as exc:
        _refused(form, data, paths(str(exc)), fallback=fallback)
        return page.show(form, 400)
    return web.redirect(page.request, f"/r/{record_id}", change.done)


def _workflow(
    request: Request,
    *,
    collection: str,
    wrong_kind: str,
    not_allowed: str,
    heading: str,
    submit: str,
    build: Callable[[dict[str, Any], Any], tuple[list[Field | Rows], dict[str, Any], dict[str, Any]]],
    change: Callable[[Mapping[str, Any], int, dict[str, Any], Any], _Change],
    theirs: Theirs,
    paths: Callable[[str], str] = _as_is,
    fallback: str | None = None,
) -> Response:
    """A workflow form on one record, ``/r/{id}/<step>`` (a review's stage, an action's
    status, a measure's value, an evidence item's files): the record as it is now (404
    ``wrong_kind`` where it is not one of ``collection``), the signed-in account's right to
    change it (403 ``not_allowed``), and the form ``build(record, loaded)`` gives (its items,
    starting values, and what else the page shows). On POST, ``change(data, expected, record,
    loaded)`` says what to write (:class:`_Invalid`: the form again, 400), written with
    ``expected=`` the version the form was opened at, then as :func:`_save`."""
    record_id = request.path_params["id"]
    who = web.require(request, "admin", "editor")
    kind, old, version = _read(request, record_id)
    if kind != collection:
        raise HTTPException(404, wrong_kind)
    loaded = web.loaded_board(request)
    if not web.can_change(who, collection, old, loaded, before=old):
        raise web.forbidden(not_allowed)
    items, values, more = build(old, loaded)
    form = Form(items, values=values, version=version)
    back = f"/r/{record_id}"
    page = _Page(request, heading, request.url.path, {"back": back, "record_id": record_id, "submit": submit, **more})
    if request.method == "GET":
        return page.show(form)
    data = web.form_data(request)
    form.version = expected = _expected(data)
    try:
        made = change(data, expected, old, loaded)
    except _Invalid as exc:
        _refused(form, data, str(exc), fallback=fallback)
        return page.show(form, 400)
    return _save(
        page, who, collection, form, data, made, record_id=record_id, theirs=theirs, paths=paths, fallback=fallback
    )


def _editor_defaults(who: Any, form_items: Sequence[Field | Rows]) -> dict[str, Any]:
    if who.role != "editor" or not who.partner:
        return {}
    names = {i.name for i in form_items}
    return {key: who.partner for key in OWNER_KEYS if key in names}


#: Collections an agency editor may add records to (those it then owns).
EDITOR_ADDS = ("actions", "evidence", "planned_audits")


def _upload(request: Request, data: Mapping[str, Any]) -> tuple[attachments.Stored, Callable[[], object]] | None:
    """The file sent with a form, checked (:class:`attachments.AttachmentRefused` where it is
    not taken), and how to keep it once the write listing it is accepted; None where no file
    was sent."""
    upload = data.get("file")
    filename = getattr(upload, "filename", None)
    if upload is None or isinstance(upload, (str, list)) or not filename:
        return None
    limit = web.config(request).max_upload
    content = attachments.read_limited(upload, limit)
    checked = attachments.check(content, filename, max_size=limit)
    return checked, functools.partial(attachments.put, web.board_path(request), content)


def new_record(request: Request) -> Response:
    """``/new/{collection}``: the add form, and adding the record."""
    from lif_core import LifError

    collection = request.path_params["collection"]
    if collection not in EDITABLE:
        raise HTTPException(404, f"Records of {collection!r} are not added here.")
    who = web.require(request, "admin", "editor")
    if who.role == "editor" and collection not in EDITOR_ADDS:
        raise web.forbidden(f"An agency editor does not add {_noun(collection)}s; the board's administrators do.")
    loaded = web.loaded_board(request)
    form = build_form(collection, loaded, web.plugins(request))
    form.values.update(_editor_defaults(who, form.items))
    for key in (
        "recommendation",
        "supports",
        "source",
        "audit",
    ):  # a link from a record page: /new/actions?recommendation=r-1
        given = request.query_params.getlist(key)
        if given and key in {i.name for i in form.items}:
            form.values[key] = given if key == "supports" else given[0]
    page = _Page(
        request,
        f"Add {'an' if _noun(collection)[0] in 'aeiou' else 'a'} {_noun(collection)}",
        f"/new/{collection}",
        {"back": f"/{collection}", "submit": "Add"},
    )
    if collection == "evidence":  # the evidence and its file in one go
        limit = web.config(request).max_upload
        form.items.append(
            Field(
                "file",
                "File (optional)",
                "file",
                help=f"{attachments.TAKEN}; at most {attachments.size_text(limit)}. More can be attached afterwards.",
            )
        )
        page.extra["multipart"] = True
    if request.method == "GET":
        return page.show(form)
    data = web.form_data(request)
    record = _drop_none(parse_form([i for i in form.items if i.name != "file"], data))
    if not web.can_change(who, collection, record, loaded):
        raise web.forbidden(f"An agency editor adds only its own agency's {_noun(collection)}s; nothing was changed.")
    keep = None
    if collection == "evidence":
        try:
            upload = _upload(request, data)
        except attachments.AttachmentRefused as exc:
            form.values, form.row_counts = submitted_values(form.items, data)
            form.errors = {"file": [str(exc)]}
            return page.show(form, 400)
        if upload is not None:
            record["attachments"] = [upload[0].as_record()]
            keep = upload[1]

    def add(reg: Any) -> dict[str, Any]:
        return dict(reg.add(collection, record, note=_note(data)))

    try:
        stored = _write(request, who, collection, add, record_id=None, then=keep)
    except LifError as exc:
        _refused(form, data, str(exc))
        if "attachments" in record:
            form.errors.setdefault("file", []).append(
                "the file was not attached: choose it again once the rest is right"
            )
        return page.show(form, 400)
    return web.redirect(request, f"/r/{stored['id']}", f"Added {_noun(collection)} {stored['id']}.")


def _edit_items(who: Any, collection: str, form: Form) -> Form:
    """What an agency editor's edit form holds: a course's evaluations only (the rest of a
    course is the board's)."""
    if who.role == "editor" and collection == "courses":
        form.items = [i for i in form.items if i.name == "evaluations"]
    return form


def edit_record(request: Request) -> Response:
    """``/r/{id}/edit``: the record's form, and saving it (``expected=`` its version)."""
    record_id = request.path_params["id"]
    who = web.require(request, "admin", "editor")
    collection, old, version = _read(request, record_id)
    if collection not in EDITABLE:
        raise HTTPException(404, f"{_noun(collection).capitalize()}s are not changed here.")
    loaded = web.loaded_board(request)
    if not web.can_change(
        who, collection, old, loaded, before=None if collection in ("courses", "section11_audits") else old
    ):
        raise web.forbidden(f"Your account may not change this {_noun(collection)}.")
    if who.role == "editor" and collection == "section11_audits":
        partner = who.partner or ""
        return web.redirect(request, f"/r/{record_id}/s11/{partner}")
    form = _edit_items(
        who, collection, build_form(collection, loaded, web.plugins(request), record=old, version=version)
    )
    page = _Page(
        request,
        f"Change {_noun(collection)} {record_id}",
        f"/r/{record_id}/edit",
        {"back": f"/r/{record_id}", "record_id": record_id},
    )
    if request.method == "GET":
        return page.show(form)
    data = web.form_data(request)
    form.version = expected = _expected(data)
    changes = parse_form(form.items, data, old)
    proposed = _drop_none({**old, **changes})
    if not web.can_change(who, collection, proposed, loaded, before=old):
        raise web.forbidden(f"Your account may not make this change to a {_noun(collection)}; nothing was changed.")
    change = _Change(
        lambda reg: reg.update(record_id, changes, note=_note(data), expected=expected),
        f"Saved {_noun(collection)} {record_id}.",
    )
    return _save(page, who, collection, form, data, change, record_id=record_id)


def _day(data: Mapping[str, Any], collection: str, record_id: str) -> dt.date | None:
    """The form's date (None where it was left blank); :class:`_Invalid` where it is no date."""
    text = _one(data, "date").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"{collection}[{record_id!r}].date: expected a date as YYYY-MM-DD, got {text!r}") from None


def stage_form(request: Request) -> Response:
    """``/r/{id}/stage``: a review's next stage, dated (``lif stage``)."""
    record_id = request.path_params["id"]

    def build(old: dict[str, Any], loaded: Any) -> tuple[list[Field | Rows], dict[str, Any], dict[str, Any]]:
        framework = getattr(loaded, "framework", None)
        order = list(framework.stages_of(str(old.get("kind", ""))) if framework is not None else [])
        current = str(old.get("stage", "referral"))
        later = order[order.index(current) + 1 :] if current in order else order
        if current in order and not old.get("stage_log"):
            later = [current, *later]  # the stage it was created at may be dated first
        items: list[Field | Rows] = [
            Field(
                "stage",
                "Next stage",
                "choice",
                True,
                tuple((s, s.replace("-", " ").capitalize()) for s in later),
                help=f"It is at {current.replace('-', ' ')}. Stages may be skipped, never repeated or reversed.",
            ),
            Field("date", "Date", "date", True, help="When it moved to this stage"),
            Field("note", "Note", "textarea", help="What happened (kept in its stage log and its history)"),
        ]
        values = {"date": dt.date.today().isoformat(), "stage": later[0] if later else ""}
        return items, values, {"intro": f"{old.get('title', record_id)}: now at {current.replace('-', ' ')}."}

    def change(data: Mapping[str, Any], expected: int, old: dict[str, Any], loaded: Any) -> _Change:
        framework = getattr(loaded, "framework", None)
        day = _day(data, "reviews", record_id)
        stage = _one(data, "stage").strip()
        return _Change(
            lambda reg: reg.set_stage(
                record_id,
                stage,
                day=day,
                note=_note(data),
                stages=framework.stages_of if framework else None,
                expected=expected,
            ),
            f"Review {record_id} moved to {stage.replace('-', ' ')}.",
        )

    return _workflow(
        request,
        collection="reviews",
        wrong_kind=f"{record_id!r} is not a case review: only reviews move through stages.",
        not_allowed="Your account may not move this review on.",
        heading=f"Move review {record_id} to its next stage",
        submit="Move on",
        build=build,
        change=change,
        theirs=lambda now: _last_entry(now, "stage", "stage_log"),
        paths=_log_paths,
        fallback="stage",
    )


def status_form(request: Request) -> Response:
    """``/r/{id}/status``: an action's new status, dated, with a note (``lif status``)."""
    from lif_core import ActionStatus

    record_id = request.path_params["id"]

    def build(old: dict[str, Any], loaded: Any) -> tuple[list[Field | Rows], dict[str, Any], dict[str, Any]]:
        items: list[Field | Rows] = [
            Field("status", "Status", "choice", True, _enum_choices(ActionStatus)),
            Field("date", "Date", "date", True, help="When its status changed"),
            Field("note", "Note", "textarea", help="What happened: kept in its status log and its history"),
        ]
        values = {"date": dt.date.today().isoformat(), "status": old.get("status", "not-started")}
        return items, values, {"intro": str(old.get("text", ""))}

    def change(data: Mapping[str, Any], expected: int, old: dict[str, Any], loaded: Any) -> _Change:
        day = _day(data, "actions", record_id)
        status = _one(data, "status").strip()
        return _Change(
            lambda reg: reg.set_status(record_id, status, day=day, note=_note(data), expected=expected),
            f"Action {record_id} is now {status.replace('-', ' ')}.",
        )

    return _workflow(
        request,
        collection="actions",
        wrong_kind=f"{record_id!r} is not an action: only actions have a status.",
        not_allowed="Your account may not change this action: it belongs to another agency.",
        heading=f"Change the status of action {record_id}",
        submit="Record the status",
        build=build,
        change=change,
        theirs=lambda now: _last_entry(now, "status", "status_log"),
        paths=_log_paths,
        fallback="status",
    )


def value_form(request: Request) -> Response:
    """``/r/{id}/value``: a measure's value for a period (``lif value``)."""
    record_id = request.path_params["id"]
    number = Field("value", "Value", "float", True)

    def build(old: dict[str, Any], loaded: Any) -> tuple[list[Field | Rows], dict[str, Any], dict[str, Any]]:
        items: list[Field | Rows] = [
            Field(
                "period",
                "Period",
                "text",
                True,
                help="The period the figure is for: 2018-19, 2019-Q1 or 2019-04 (a value the period had is replaced)",
            ),
            attrs.evolve(number, help=f"In {str(old.get('unit', '')).replace('-', ' ')}"),
            Field("note", "Note", "textarea", help="Where the figure comes from"),
        ]
        return items, {}, {"intro": str(old.get("title", "")), "existing": old.get("values") or []}

    def change(data: Mapping[str, Any], expected: int, old: dict[str, Any], loaded: Any) -> _Change:
        period = _one(data, "period").strip()
        value = _converted(number, data)
        problems = []
        if not period:
            problems.append(f"measures[{record_id!r}].period: must not be blank")
        if not isinstance(value, float):
            problems.append(f"measures[{record_id!r}].value: expected a number, got {_one(data, 'value')!r}")
        if problems:
            raise _Invalid("refused, nothing changed:\n  " + "\n  ".join(problems))
        assert isinstance(value, float)
        return _Change(
            lambda reg: reg.set_value(record_id, period, value, note=_note(data), expected=expected),
            f"Measure {record_id}: {period} = {value:g}.",
        )

    return _workflow(
        request,
        collection="measures",
        wrong_kind=f"{record_id!r} is not a measure: only measures have values.",
        not_allowed="Your account may not record this measure's values.",
        heading=f"Record a value of measure {record_id}",
        submit="Record the value",
        build=build,
        change=change,
        theirs=lambda now: _period_value(now, _one(web.form_data(request), "period").strip()),
        paths=_value_paths,
        fallback="value",
    )


def _last_entry(record: Mapping[str, Any], key: str, log: str) -> tuple[dict[str, Any], dict[str, int]]:
    """A status or stage form's values as the record now has them (its last log entry)."""
    entries = record.get(log) or [{}]
    last = entries[-1] if isinstance(entries[-1], dict) else {}
    return {key: str(record.get(key, "")), "date": str(last.get("date", "")), "note": str(last.get("note", ""))}, {}


def _period_value(record: Mapping[str, Any], period: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The value form's values as the measure now has them for ``period``."""
    found = next((v for v in record.get("values") or [] if v.get("period") == period), None)
    shown = "" if found is None else _shown(Field("value", "", "float"), found.get("value"))
    return {"period": period if found is not None else "", "value": shown, "note": ""}, {}


def _log_paths(message: str) -> str:
    """A refused stage or status change names its log entry (``stage_log[2].date``): beside
    the form's own fields."""
    return re.sub(r"\.(?:stage_log|status_log)\[\d+\]\.(stage|status|date|note)\b", r".\1", message)


def _value_paths(message: str) -> str:
    """A measure's refusal names ``values[i].period``/``.value``: beside the form's own fields."""
    return re.sub(r"\.values\[\d+\]\.(period|value)", r".\1", message)


def _listed_files(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [a for a in record.get("attachments") or [] if isinstance(a, dict)]


def attach_form(request: Request) -> Response:
    """``/r/{id}/attach``: files attached to an evidence record (kept under their content's
    digest; the record lists each one's name, digest, size and type), and taken off it. A file
    is kept only once the record listing it is written."""
    record_id = request.path_params["id"]

    def build(old: dict[str, Any], loaded: Any) -> tuple[list[Field | Rows], dict[str, Any], dict[str, Any]]:
        listed = _listed_files(old)
        limit = web.config(request).max_upload
        items: list[Field | Rows] = [
            Field(
                "file",
                "File",
                "file",
                not listed,
                help=f"{attachments.TAKEN}; at most {attachments.size_text(limit)}. "
                "It is kept in the board folder and offered only as a download.",
            ),
        ]
        if listed:
            items.append(
                Field(
                    "remove",
                    "Take off this evidence",
                    "multi",
                    choices=tuple((str(i), f"{a.get('name')} ({a.get('media_type')})") for i, a in enumerate(listed)),
                    help="The file stays in the board folder and in this record's history",
                )
            )
        items.append(Field("note", "Note", "textarea", help="Why: kept with the change"))
        return items, {}, {"intro": str(old.get("title", "")), "multipart": True, "files": listed}

    def change(data: Mapping[str, Any], expected: int, old: dict[str, Any], loaded: Any) -> _Change:
        listed = _listed_files(old)
        removed = {i for i in _many(data, "remove") if i.isdigit()}
        kept = [a for i, a in enumerate(listed) if str(i) not in removed]
        said: list[str] = [f"took {a.get('name')} off" for i, a in enumerate(listed) if str(i) in removed]
        try:
            upload = _upload(request, data)
        except attachments.AttachmentRefused as exc:
            raise _Invalid(str(exc)) from None
        if upload is None and not removed:
            raise _Invalid("choose a file to attach")
        keep = None
        if upload is not None:
            new, keep = upload
            kept = [a for a in kept if a.get("sha256") != new.sha256 or a.get("name") != new.name]
            kept.append(new.as_record())
            said.insert(0, f"attached {new.name}")
        summary = "; ".join(said)
        return _Change(
            lambda reg: reg.update(
                record_id, {"attachments": kept or None}, note=_note(data) or summary, expected=expected
            ),
            f"Evidence {record_id}: {summary}.",
            then=keep,
        )

    return _workflow(
        request,
        collection="evidence",
        wrong_kind=f"{record_id!r} is not an evidence item: files are attached to evidence.",
        not_allowed="Your account may not attach files to this evidence: it belongs to another agency.",
        heading=f"Attach a file to evidence {record_id}",
        submit="Save",
        build=build,
        change=change,
        theirs=lambda now: ({"note": ""}, {}),
        fallback="file",
    )


# --------------------------------------------------------------------------- Section 11 returns


def _s11_items(loaded: Any, audit: Mapping[str, Any], *, moderate: bool) -> list[Field | Rows]:
    grades = _grades(loaded, audit)
    grade_kind = "choice" if grades else "text"
    grade_choices = tuple((g, g.replace("-", " ").capitalize()) for g in grades or ())
    columns = [
        Field("standard", "Standard", "static"),
        Field("self_assessed", "Self-assessed", grade_kind, False, grade_choices, "The agency's own grade"),
        Field(
            "moderated", "Moderated", grade_kind if moderate else "static", False, grade_choices, "The panel's grade"
        ),
        Field("note", "Note", "text"),
    ]
    return [
        Field("submitted", "Submitted", "date", help="When the agency submitted its return"),
        Rows("scores", "Scores against the standards", tuple(columns), blank=0, fixed=True),
    ]


def _s11_values(
    loaded: Any, items: Sequence[Field | Rows], ret: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, int], list[str]]:
    standards = [s.id for s in loaded.board.section11_standards]
    scores = {str(s.get("standard")): s for s in ret.get("scores") or []}
    standards += [s for s in scores if s not in standards]
    values: dict[str, Any] = {"submitted": str(ret.get("submitted") or "")}
    for i, standard in enumerate(standards):
        score = scores.get(standard, {})
        values[f"scores[{i}].standard"] = standard
        for key in ("self_assessed", "moderated", "note"):
            values[f"scores[{i}].{key}"] = str(score.get(key) or "")
    return values, {"scores": len(standards)}, standards


def _standard_titles(loaded: Any) -> dict[str, str]:
    return {s.id: f"{s.number}. {s.title}" for s in loaded.board.section11_standards}


def _return_digest(ret: Mapping[str, Any] | None) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(ret, sort_keys=True).encode()).hexdigest()[:32]


def s11_form(request: Request) -> Response:
    """``/r/{id}/s11/{partner}``: one agency's Section 11 return inside an audit. The agency's
    editor fills in its self-assessment; the board's administrators moderate. Concurrency is
    per return: two agencies filling in their own returns at once do not conflict, while two
    people changing one return do (409)."""
    from lif_core import ConflictError

    record_id = request.path_params["id"]
    partner = request.path_params["partner"]
    who = web.require(request, "admin", "editor")
    collection, audit, version = _read(request, record_id)
    if collection != "section11_audits":
        raise HTTPException(404, f"{record_id!r} is not a Section 11 audit.")
    loaded = web.loaded_board(request)
    partners = {p.id: p.name for p in loaded.board.partners}
    if partner not in partners:
        raise HTTPException(404, f"There is no partner {partner!r}.")
    if who.role == "editor" and who.partner != partner:
        raise web.forbidden("An agency editor fills in only its own agency's Section 11 return.")
    moderate = who.role == "admin"
    returns = list(audit.get("returns") or [])
    index = next((i for i, r in enumerate(returns) if r.get("partner") == partner), None)
    ret = returns[index] if index is not None else {"partner": partner}
    items = _s11_items(loaded, audit, moderate=moderate)
    values, counts, standards = _s11_values(loaded, items, ret)
    form = Form(items, values=values, row_counts=counts, version=version)
    page = _Page(
        request,
        f"Section 11 return of {partners[partner]}",
        f"/r/{record_id}/s11/{partner}",
        {
            "back": f"/r/{record_id}",
            "record_id": record_id,
            "submit": "Save the return",
            "intro": f"Audit {audit.get('cycle', record_id)}"
            + (": the panel's moderated grades are shown, not changed here." if not moderate else "."),
            "template": "forms/s11.html",
            "standards": _standard_titles(loaded),
            "digest": _return_digest(ret if index is not None else None),
        },
    )
    if request.method == "GET":
        return page.show(form)
    data = web.form_data(request)
    opened_digest = _one(data, "return_digest")
    submitted = _converted(items[0], data)  # type: ignore[arg-type]
    new_scores = []
    row_of: list[int] = []  # the form's row of each score kept (standards left blank are left out)
    for i, standard in enumerate(standards):
        prefix = f"scores[{i}]."
        if _one(data, prefix + "standard") not in ("", standard):
            raise HTTPException(400, "The form's standards do not match the audit's: open it again.")
        old_score: dict[str, Any] = next((s for s in ret.get("scores") or [] if s.get("standard") == standard), {})
        score = {"standard": standard}
        for key in ("self_assessed", "moderated", "note"):
            given = _one(data, prefix + key).strip()
            if key == "moderated" and not moderate:
                given = str(old_score.get(key) or "")  # only the panel moderates
            if given:
                score[key] = given
        if len(score) > 1 or old_score:
            new_scores.append(score)
            row_of.append(i)
    new_ret: dict[str, Any] = {"partner": partner, "scores": new_scores}
    if submitted is not None:
        new_ret["submitted"] = submitted

    def save(reg: Any) -> dict[str, Any]:
        _c, now = reg.get(record_id)
        now_returns = list(now.get("returns") or [])
        at = next((i for i, r in enumerate(now_returns) if r.get("partner") == partner), None)
        current_ret = now_returns[at] if at is not None else None
        if _return_digest(current_ret) != opened_digest:
            raise ConflictError(
                record_id, version, int(reg.version(record_id)), _return_change(reg, record_id, partner)
            )
        if at is None:
            now_returns.append(new_ret)
        else:
            now_returns[at] = new_ret
        stored: dict[str, Any] = reg.update(
            record_id,
            {"returns": now_returns},
            note=_note(data) or f"Section 11 return of {partner}",
            expected=int(reg.version(record_id)),
        )
        return stored

    def now_return(now: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
        found = next((r for r in now.get("returns") or [] if r.get("partner") == partner), None)
        page.extra["digest"] = _return_digest(found)  # the conflict page's form is on their return
        values, counts, _standards = _s11_values(loaded, items, found or {"partner": partner})
        return values, counts

    return _save(
        page,
        who,
        collection,
        form,
        data,
        _Change(save, f"Saved the Section 11 return of {partners[partner]}."),
        record_id=record_id,
        theirs=now_return,
        paths=lambda message: _s11_paths(message, index if index is not None else len(returns), row_of),
    )


def _return_change(reg: Any, record_id: str, partner: str) -> Any:
    """The latest change to an audit that changed ``partner``'s return (who, when)."""

    def of(data: Mapping[str, Any] | None) -> Any:
        return next((r for r in (data or {}).get("returns") or [] if r.get("partner") == partner), None)

    changes = reg.history(record_id)
    return next((c for c in reversed(changes) if of(c.old) != of(c.new)), changes[-1] if changes else None)


def _s11_paths(message: str, index: int, row_of: Sequence[int]) -> str:
    """An audit's refusal names ``returns[i].scores[j].x``: beside the form's row of that score
    (``scores[row].x``)."""

    def row(match: re.Match[str]) -> str:
        j = int(match.group(1))
        return f".scores[{row_of[j] if j < len(row_of) else j}]"

    message = re.sub(rf"\.returns\[{index}\]\.scores\[(\d+)\]", row, message)
    return re.sub(rf"\.returns\[{index}\]\.", ".", message)


# --------------------------------------------------------------------------- routes

routes = [
    Route("/new/{collection}", new_record, methods=["GET", "POST"]),
    Route("/r/{id}/edit", edit_record, methods=["GET", "POST"]),
    Route("/r/{id}/stage", stage_form, methods=["GET", "POST"]),
    Route("/r/{id}/status", status_form, methods=["GET", "POST"]),
    Route("/r/{id}/value", value_form, methods=["GET", "POST"]),
    Route("/r/{id}/attach", attach_form, methods=["GET", "POST"]),
    Route("/r/{id}/s11/{partner}", s11_form, methods=["GET", "POST"]),
    *attachments.routes,
]
