"""The one configured cattrs converter, and the error formatting that names key paths.

Strict on purpose: a board file is a record of safeguarding work, so nothing in it may be
silently reinterpreted. ``"no"`` is not a boolean, ``1`` is not text, a string is not a list,
unknown keys are refused, and every problem is reported with its key path at once.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import json
import math
import re
import traceback
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from . import _codecache
from .errors import PathPart
from .model import FieldError, OptionValue, date_out_of_range

_codecache.cache_attrs_and_cattrs()  # structuring functions: compiled code from the last run

__all__ = [
    "MAX_NUMBER",
    "MAX_TEXT",
    "converter",
    "describe_type",
    "iter_errors",
    "refused_character",
    "structure",
    "to_json",
    "unstructure",
    "visible",
]

T = TypeVar("T")

#: Longest text accepted in any field: a hostile or corrupt file cannot smuggle in huge values.
MAX_TEXT = 100_000
#: Largest magnitude accepted in any number field: no real figure of a board comes near it, and
#: beyond it arithmetic overflows (1e308 * 10,000 is infinite) or prints as garbage.
MAX_NUMBER = 10**12

# Characters no text of a board may hold: the C0 controls but tab, newline and carriage return
# (NUL, ESC...), DEL, the C1 controls, and the bidirectional overrides (U+202A-U+202E) and
# isolates (U+2066-U+2069) that make text display in another order than it is stored in.
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


def refused_character(text: str) -> str | None:
    """Why ``text`` cannot be board text (its first control character or bidirectional
    override, named by code point, never shown raw), or ``None`` when it can."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    char = found.group()
    kind = (
        "a bidirectional override"
        if "\u202a" <= char <= "\u202e"
        else "a bidirectional isolate"
        if "\u2066" <= char <= "\u2069"
        else "a control character"
    )
    return (
        f"contains {kind}, {_code(char)}, at character {found.start() + 1}: control characters (but tab and "
        "newline) and bidirectional overrides are not allowed in text"
    )


def visible(text: str) -> str:
    """``text`` with each character :func:`refused_character` refuses written as ``<U+001B>``."""
    return _REFUSED.sub(lambda m: f"<{_code(m.group())}>", text)


def describe_type(tp: Any) -> str:
    """A short, user-facing name for a type."""
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(repr(m.value) for m in tp)
    if tp is str:
        return "text"
    if tp is int:
        return "a whole number"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if tp is dt.date:
        return "a date (2018-03-01)"
    if attrs.has(tp):
        return "a table"
    origin = get_origin(tp)
    if origin is tuple:
        return "a list"
    if origin in (dict, Mapping):
        return "a table"
    return str(tp)


def _got(value: object) -> str:
    kind = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
        dt.date: "a date",
        dt.datetime: "a date and time",
        dt.time: "a time",
    }.get(type(value), type(value).__name__)
    if value is None:
        return "nothing (null)"
    shown = value.isoformat() if isinstance(value, (dt.date, dt.time)) else repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{kind} {shown}" if kind not in ("a list", "a table") else kind


def _structure_str(value: object, tp: type) -> str:
    if tp is not str and _is_enum(tp):
        return _enum_hook(tp)(value, tp)  # type: ignore[no-any-return]
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {_got(value)}")
    if len(value) > MAX_TEXT:
        raise ValueError(f"text is {len(value):,} characters long; the limit is {MAX_TEXT:,}")
    if _REFUSED.search(value) is not None:  # searched here: a board's texts are counted in hundreds of thousands
        raise ValueError(refused_character(value))
    return value


def _check_magnitude(value: float) -> None:
    if not -MAX_NUMBER <= value <= MAX_NUMBER:
        shown = (
            f"{value:.6g}"
            if isinstance(value, float) or abs(value) < 10**40
            else f"a number of {len(str(value))} digits"
        )
        raise ValueError(f"{shown} is too large: numbers here are between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e}")


def _structure_int(value: object, _tp: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {_got(value)}")
    _check_magnitude(value)
    return value


def _structure_float(value: object, _tp: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {_got(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    _check_magnitude(value)
    return float(value)


def _structure_bool(value: object, _tp: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {_got(value)}")
    return value


def _structure_date(value: object, _tp: type) -> dt.date:
    if isinstance(value, dt.datetime):
        raise TypeError(f"expected a date without a time, got {_got(value)}")
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            if len(value) != 10:
                raise ValueError
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}") from None
    else:
        raise TypeError(f"expected a date (2018-03-01), got {_got(value)}")
    reason = date_out_of_range(day)
    if reason is not None:
        raise ValueError(f"{day.isoformat()} {reason}")
    return day


def _structure_option(value: object, _tp: Any) -> OptionValue:
    if isinstance(value, (str, bool)):
        return _structure_str(value, str) if isinstance(value, str) else value
    if isinstance(value, int):
        return _structure_int(value, int)
    if isinstance(value, float):
        return _structure_float(value, float)
    raise TypeError(f"expected text, a number or true/false, got {_got(value)}")


def _is_enum(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, enum.Enum)


@functools.cache
def _enum_hook(tp: type[enum.Enum]) -> Any:
    """The hook for one enum type, made once (every value of a str-based enum passes through
    :func:`_structure_str`, which hands it here)."""

    def structure_enum(value: object, _tp: type) -> enum.Enum:
        if not isinstance(value, str):
            raise TypeError(f"expected {describe_type(tp)}; got {_got(value)}")
        try:
            return tp(value)
        except ValueError:
            raise ValueError(f"{value!r} is not {describe_type(tp)}") from None

    return structure_enum


def _is_seq(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _seq_hook(tp: Any, conv: cattrs.Converter) -> Any:
    elem = get_args(tp)[0]
    handler = conv.get_structure_hook(elem)

    def structure_seq(value: object, _tp: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"expected a list, got {_got(value)}")
        out: list[Any] = []
        errors: list[Exception] = []
        for i, item in enumerate(value):
            try:
                out.append(handler(item, elem))
            except Exception as exc:  # noqa: BLE001 - collected and re-raised as a group
                exc.__notes__ = [
                    *getattr(exc, "__notes__", []),
                    IterableValidationNote(f"Structuring {tp} @ index {i}", i, elem),
                ]
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {tp!r}", errors, tp)
        return tuple(out)

    return structure_seq


def _is_option_dict(tp: Any) -> bool:
    return get_origin(tp) is dict and get_args(tp) == (str, OptionValue)


def _is_text_dict(tp: Any) -> bool:
    return get_origin(tp) is dict and get_args(tp) == (str, str)


def _table_hook(structure_value: Any) -> Any:
    """A hook for a table of text keys whose values ``structure_value`` checks; every bad
    entry is reported under its own key."""

    def structure_table(value: object, _tp: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise TypeError(f"expected a table, got {_got(value)}")
        out: dict[str, Any] = {}
        errors: list[Exception] = []
        for key, item in value.items():
            try:
                out[_structure_str(key, str)] = structure_value(item)
            except Exception as exc:  # noqa: BLE001 - collected and re-raised as a group
                exc.__notes__ = [IterableValidationNote(f"Structuring a table @ key {key!r}", visible(str(key)), Any)]
                errors.append(exc)
        if errors:
            raise IterableValidationError("While structuring a table", errors, dict)
        return out

    return structure_table


def _record_hook(cls: Any, conv: cattrs.Converter) -> Any:
    """A record from a table, and only from a table: anything else is named, not a Python error."""
    inner = make_dict_structure_fn(cls, conv)

    def structure_record(value: object, tp: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a table, got {_got(value)}")
        return inner(value, tp)

    return structure_record


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    # Class hooks dispatch on subclasses too: bool's own hook wins over int's (more
    # specific), and the str hook hands the str-based enums over to the enum hook.
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(dt.date, _structure_date)
    conv.register_structure_hook_factory(_is_enum, _enum_hook)
    conv.register_structure_hook_factory(_is_seq, lambda tp: _seq_hook(tp, conv))
    conv.register_structure_hook_func(_is_option_dict, _table_hook(lambda v: _structure_option(v, OptionValue)))
    conv.register_structure_hook_func(_is_text_dict, _table_hook(lambda v: _structure_str(v, str)))
    conv.register_structure_hook_factory(attrs.has, lambda cls: _record_hook(cls, conv))
    conv.register_unstructure_hook(dt.date, lambda d: d)
    conv.register_unstructure_hook_factory(
        attrs.has,
        lambda cls: make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True),
    )
    return conv


#: The converter every board file, register file and JSON document goes through.
converter = _make_converter()


def structure(data: Any, tp: type[T]) -> T:
    """Build a record of type ``tp`` from plain data, strictly; raises cattrs' grouped errors."""
    try:
        return converter.structure(data, tp)
    except Exception as exc:
        _release(exc)
        raise


def _release(exc: BaseException) -> None:
    """Clear the variables of the finished frames a structuring failure's tracebacks hold, in
    every error grouped inside it. cattrs collects each field's error in a list in the frame
    it was caught in, which that error's traceback holds: a reference cycle per error, which
    only the cycle collector frees, and not while it is paused (a board of thousands of
    broken records read with the collector paused would hold them all until the end)."""
    seen: set[int] = set()
    waiting: list[BaseException] = [exc]
    while waiting:
        error = waiting.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        traceback.clear_frames(error.__traceback__)
        waiting += getattr(error, "exceptions", ())
        waiting += [e for e in (error.__cause__, error.__context__) if e is not None]


def unstructure(obj: Any) -> Any:
    """Plain data (dicts, lists, str, numbers, bool, dates) for a record; defaults omitted."""
    return converter.unstructure(obj)


def _json_default(value: object) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data: Any, *, indent: int | None = 2) -> str:
    """JSON text for plain data, with dates written as ISO 8601 strings."""
    return json.dumps(data, default=_json_default, indent=indent, ensure_ascii=False)


def iter_errors(
    exc: BaseException, path: tuple[PathPart, ...] = (), tp: Any = None
) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """Flatten a structuring failure into ``(key path, message)`` pairs.

    Understands cattrs' grouped errors and their notes, the validators' :class:`FieldError`,
    unknown keys and missing keys, so each message lands on the key it is about.
    """
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            yield from iter_errors(sub, (*path, note.name), note.type)
        for sub in without:
            yield from iter_errors(sub, path, exc.cl)
    elif isinstance(exc, IterableValidationError):
        for sub in exc.exceptions:
            index: PathPart | None = None
            for note in getattr(sub, "__notes__", []):
                if isinstance(note, IterableValidationNote):
                    index = note.index
            yield from iter_errors(sub, path if index is None else (*path, index))
    elif isinstance(exc, ForbiddenExtraKeysError):
        allowed = ", ".join(f.name for f in attrs.fields(exc.cl))
        for key in sorted(exc.extra_fields):
            yield (*path, visible(key)), f"unknown key; allowed keys here are: {allowed}"
    elif isinstance(exc, KeyError):
        yield path, "required key is missing"
    elif isinstance(exc, FieldError):
        yield (*path, *exc.parts), exc.message
    elif isinstance(exc, (ValueError, TypeError)):
        # attrs' own validators raise (message, attribute, ...): the message alone is meant
        attrs_validator = len(exc.args) > 1 and isinstance(exc.args[0], str)
        message = exc.args[0] if attrs_validator else str(exc)
        if attrs_validator and isinstance(getattr(exc.args[1], "name", None), str):
            path = (*path, exc.args[1].name)
        if message.startswith("While structuring") or not message:
            message = f"expected {describe_type(tp)}" if tp is not None else "invalid value"
        yield path, message
    else:
        yield path, f"{type(exc).__name__}: {exc}"


def digest(collection: str, data: Mapping[str, Any]) -> str:
    """A fingerprint of a record as checked (so 2018-01-01 and "2018-01-01" agree), to tell a
    file's record that was edited since the last import into a store from one that was not."""
    from .model import COLLECTIONS

    record: Any = structure(dict(data), COLLECTIONS[collection])
    return checked_digest(json.loads(to_json(unstructure(record), indent=None)))


def checked_digest(plain: Any) -> str:
    """:func:`digest` of a record already checked, as plain JSON data (as the store keeps it)."""
    canonical = json.dumps(plain, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
