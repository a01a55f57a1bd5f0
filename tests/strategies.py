"""Hypothesis strategies for every model type, built from the attrs fields themselves, so a
new field or record type is covered without touching the tests."""

from __future__ import annotations

import datetime as dt
import enum
import types
from typing import Any, Union, get_args, get_origin

import attrs
from hypothesis import strategies as st

from lif_core import model
from lif_core.frameworks import LIFECYCLE

IDS = st.from_regex(model.ID_PATTERN, fullmatch=True)
# Board text may hold any character but the control characters (tab, newline and CR aside) and
# bidirectional overrides the converter refuses (lif_core.convert.refused_character).
REFUSED = "".join(map(chr, (*range(0, 9), 11, 12, *range(14, 32), *range(0x7F, 0xA0), *range(0x202A, 0x202F))))
REFUSED += "".join(map(chr, range(0x2066, 0x206A)))
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters=REFUSED), max_size=40)
NONBLANK = TEXT.filter(lambda s: s.strip() != "")
DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e12, max_value=1e12)
INTS = st.integers(min_value=0, max_value=2**31)
OPTION_VALUES = st.one_of(TEXT, st.booleans(), st.integers(-(10**12), 10**12), FLOATS)

NARRATIVE_PATHS = st.from_regex(r"[a-z][a-z0-9_-]{0,8}(/[a-z0-9_-]{1,8}){0,2}\.md", fullmatch=True)

# Fields validated beyond their type, and how to generate valid values for them.
SPECIAL: dict[tuple[type, str], st.SearchStrategy[Any]] = {
    (model.Evaluation, "level"): st.sampled_from((1, 2, 3, 4)),
    (model.Source, "path"): st.from_regex(r"[a-z][a-z0-9_-]{0,8}(/[a-z0-9_-]{1,8}){0,2}\.csv", fullmatch=True),
    (model.Artefact, "kind"): IDS,
    (model.AuditGrade, "domain"): IDS,
    (model.MarkerAssessment, "marker"): IDS,
    (model.Source, "fields"): st.dictionaries(
        TEXT, st.sampled_from([*model.FIELD_KINDS, "date:%d/%m/%Y", "dob:%d/%m/%Y"]), max_size=3
    ),
    (model.Deadline, "from_date"): st.sampled_from([f.name for f in attrs.fields(model.ReviewDates)]),
    (model.Deadline, "to_date"): st.sampled_from([f.name for f in attrs.fields(model.ReviewDates)]),
    (model.Settings, "populations"): st.lists(
        st.builds(model.Observation, period=NONBLANK, value=st.integers(1, model.MAX_POPULATION - 1).map(float)),
        max_size=3,
    ).map(tuple),
    (model.Settings, "disclosure_smallest"): st.integers(*model.DISCLOSURE_SMALLEST),
    (model.CaseReview, "stage"): st.sampled_from(LIFECYCLE),
    (model.StageChange, "stage"): st.sampled_from(LIFECYCLE),
    (model.CaseReview, "decision"): st.just("") | IDS,
    (model.AuditGrade, "grade"): st.sampled_from(("good", "inadequate", "green")),
    (model.Contribution, "amount"): st.floats(min_value=0, max_value=9_999_999_999, allow_nan=False),
    (model.Settings, "disclosure_round_to"): st.sampled_from((0, *range(2, model.MAX_ROUND_TO + 1))),
    (model.Attachment, "name"): NONBLANK.map(
        lambda s: "".join(c for c in s if c not in '/\\:*?"<>|' and c >= " ").strip(".").strip() or "file.pdf"
    ),
    (model.Attachment, "sha256"): st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    (model.Attachment, "media_type"): st.sampled_from(("application/pdf", "image/png", "text/plain")),
}


def for_type(tp: Any, *, refs: bool) -> st.SearchStrategy[Any]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        inner = st.one_of(*(for_type(a, refs=refs) for a in args))
        return st.none() | inner if type(None) in get_args(tp) else inner
    if origin is tuple:
        return st.lists(for_type(get_args(tp)[0], refs=refs), max_size=3).map(tuple)
    if origin is dict:
        if get_args(tp) == (str, str):
            return st.dictionaries(TEXT, TEXT, max_size=3)
        return st.dictionaries(IDS, OPTION_VALUES, max_size=3)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if attrs.has(tp):
        return records(tp, refs=refs)
    return {str: TEXT, bool: st.booleans(), int: INTS, float: FLOATS, dt.date: DATES}[tp]


def _field(cls: type, field: attrs.Attribute[Any], *, refs: bool) -> st.SearchStrategy[Any]:
    if (cls, field.name) in SPECIAL:
        return SPECIAL[(cls, field.name)]
    if field.metadata.get("id"):
        return IDS
    if field.metadata.get("narrative"):
        return st.just("") | NARRATIVE_PATHS
    if field.metadata.get("ref") or field.metadata.get("plugin") or field.metadata.get("term"):
        if not refs and field.default is not attrs.NOTHING:
            return st.just(field.default)
        if get_origin(field.type) is tuple:
            return st.lists(IDS, max_size=3).map(tuple)
        return st.none() | IDS if field.default is None else IDS
    validators = str(field.validator)
    if "_check_nonblank" in validators:
        return NONBLANK
    return for_type(field.type, refs=refs)


@st.composite
def _build(draw: st.DrawFn, cls: type, refs: bool) -> Any:
    values = {f.name: draw(_field(cls, f, refs=refs)) for f in attrs.fields(cls)}
    # Records whose validators tie fields together: make them agree rather than reject.
    if cls is model.Deadline and (values["working_days"] is None) == (values["days"] is None):
        values["days"] = None if values["working_days"] is not None else draw(INTS)
    if cls is model.CaseReview:
        order = list(LIFECYCLE)
        log = sorted({s.stage: s for s in values["stage_log"]}.values(), key=lambda s: order.index(s.stage))
        dates = sorted(s.date for s in log)
        log = [attrs.evolve(s, date=d) for s, d in zip(log, dates, strict=True)]
        values["stage_log"] = tuple(log)
        if log:
            values["stage"] = log[-1].stage
    if cls is model.Action:
        log = sorted(values["status_log"], key=lambda s: s.date)
        values["status_log"] = tuple(log)
        if log:
            values["status"] = log[-1].status
    if cls is model.Measure:
        seen: dict[str, model.Observation] = {}
        for obs in values["values"]:
            seen.setdefault(obs.period, obs)
        values["values"] = tuple(seen.values())
    if cls is model.ChildDeathFigures:
        values["modifiable"] = min(values["modifiable"], values["reviewed"])
    if cls is model.Feedback and values["done"] is not None and values["done"] < values["date"]:
        values["done"] = values["date"]
    if cls is model.Closure and values["last"] is not None:
        first, last = sorted((values["first"], values["last"]))
        values["first"], values["last"] = first, min(last, first + dt.timedelta(days=366))
    return cls(**values)


def records(cls: type, *, refs: bool = True) -> st.SearchStrategy[Any]:
    """Valid instances of a model record type (``refs=False``: optional references left empty)."""
    return _build(cls, refs)


def model_types() -> list[type]:
    """Every attrs record type in the model."""
    return sorted(
        (v for v in vars(model).values() if isinstance(v, type) and attrs.has(v) and v.__module__ == model.__name__),
        key=lambda c: c.__name__,
    )


def _consistent(board: model.Board) -> model.Board:
    """Make a generated board loadable: ids unique board-wide, required references pointing
    at records that exist (records whose required references cannot be met are dropped)."""
    seen: set[str] = set()
    kept: dict[str, tuple[Any, ...]] = {}
    for name in model.COLLECTIONS:
        items = []
        for item in board.collection(name):
            if item.id not in seen:
                seen.add(item.id)
                items.append(item)
        kept[name] = tuple(items)
    ids = {name: {i.id for i in items} for name, items in kept.items()}
    kept["findings"] = tuple(
        f for f in kept["findings"] if any(f.source in ids[c] for c in ("reviews", "audits", "section11_audits"))
    )
    kept["planned_audits"] = tuple(p for p in kept["planned_audits"] if p.partner in ids["partners"])
    kept["contributions"] = tuple(c for c in kept["contributions"] if c.partner in ids["partners"])
    kept["section11_audits"] = tuple(attrs.evolve(a, returns=()) for a in kept["section11_audits"])
    return attrs.evolve(board, **kept)


@st.composite
def boards(draw: st.DrawFn) -> model.Board:
    """Loadable boards: every collection drawn, optional references empty, required ones met."""
    partners = draw(st.lists(records(model.Partner, refs=False), min_size=1, max_size=3))
    reviews = draw(st.lists(records(model.CaseReview, refs=False), max_size=2))
    sources = [r.id for r in reviews] or [p.id for p in partners]
    findings = [
        attrs.evolve(f, source=draw(st.sampled_from(sources)))
        for f in draw(st.lists(records(model.Finding, refs=False), max_size=2))
    ]
    planned = [
        attrs.evolve(p, partner=draw(st.sampled_from([x.id for x in partners])))
        for p in draw(st.lists(records(model.PlannedAudit, refs=False), max_size=2))
    ]
    values: dict[str, Any] = {"partners": tuple(partners), "reviews": tuple(reviews), "findings": tuple(findings)}
    values["planned_audits"] = tuple(planned)
    for name, cls in model.COLLECTIONS.items():
        if name not in values:
            values[name] = tuple(draw(st.lists(records(cls, refs=False), max_size=2)))
    settings = attrs.evolve(draw(records(model.Settings)), default_themes=())
    board = model.Board(
        board=draw(records(model.BoardInfo)), plugins=draw(records(model.PluginSettings)), settings=settings, **values
    )
    return _consistent(board)
