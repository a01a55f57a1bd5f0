"""What lif-web shows: the dashboard (``/``), the lists (``/actions``, ``/reviews``...), a page per
record with its story (``/r/{id}``) and search (``/search``).

Every page reads the board as it is now (:func:`lif_web.web.loaded_board`: its register's
records included) and shows only the board's own records and protected figures: never a row
of a data source. All text goes to the templates as text (Jinja escapes it); a record's fields
are said in words (dates as 3 March 2019, references by their target's title, linked), its
history as sentences (:mod:`lif_web.story`), never JSON.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import attrs
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from lif_core import REGISTER_COLLECTIONS, LifError

from . import web
from .story import Entry, Namer, collection_noun, day_in_words, field_label, size_in_words, story

if TYPE_CHECKING:
    from lif_core import LoadedBoard, Plugins, Score

__all__ = [
    "DUE_SOON_DAYS",
    "LISTINGS",
    "Dashboard",
    "Listing",
    "dashboard_data",
    "record_fields",
    "routes",
    "search_records",
]

#: A review clock due within this many days shows on the dashboard as "due soon".
DUE_SOON_DAYS = 14
#: At most this many search results are shown.
MAX_RESULTS = 200
#: At most this many rows of a list are shown on one page.
PAGE_SIZE = 100
#: Actions that are finished: never overdue.
CLOSED_STATUSES = ("completed", "cancelled")


# --------------------------------------------------------------------------- small views


@attrs.frozen
class Link:
    """A piece of text, linked where ``href`` is set (a record page of this site)."""

    text: str
    href: str | None = None


@attrs.frozen
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[tuple[Link, ...], ...], ...]


@attrs.frozen
class Field:
    """One of a record's fields, said in words: ``text``, or ``links``, or a ``table`` of its
    entries, or nested ``facts``; ``long`` text is shown as a paragraph."""

    label: str
    text: str = ""
    links: tuple[Link, ...] = ()
    table: Table | None = None
    facts: tuple[Field, ...] = ()
    long: bool = False


def _stage_title(loaded: LoadedBoard, stage: str) -> str:
    framework = loaded.framework
    if framework is not None and framework.term("stages", stage) is not None:
        return framework.title_of("stages", stage)
    return stage.replace("-", " ").capitalize()


def _title(record: Any) -> str:
    """How a record is called: its title, name, label or text (its id where it has none)."""
    for key in ("title", "name", "label", "text", "topic", "cycle", "said"):
        value = getattr(record, key, None)
        if isinstance(value, str) and value.strip():
            return value
    period = getattr(record, "period", None)
    partner = getattr(record, "partner", None)
    if isinstance(period, str) and period:
        return f"{period}" + (f" ({partner})" if isinstance(partner, str) and partner else "")
    return str(getattr(record, "id", ""))


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


class Board:
    """What the pages need of one loaded board, worked out once per board: titles, who refers
    to whom. Kept while the same board object is served (``web.loaded_board`` reuses it until a
    file or the register changes)."""

    def __init__(self, loaded: LoadedBoard) -> None:
        self.loaded = loaded
        self.index: dict[str, tuple[str, Any]] = loaded.board.index()
        self.titles = {rid: _title(record) for rid, (_c, record) in self.index.items()}
        self._incoming: dict[str, list[tuple[str, str, str]]] | None = None

    def title(self, record_id: str) -> str | None:
        return self.titles.get(record_id)

    def link(self, record_id: str) -> Link:
        """A reference as a link to its record's page (plain text where there is no record)."""
        if record_id in self.index:
            return Link(_short(self.titles[record_id]), f"/r/{record_id}")
        return Link(record_id)

    def stage(self, stage: str) -> str:
        return _stage_title(self.loaded, stage)

    def namer(self, people: Mapping[str, str] | None = None) -> Namer:
        known = dict(people or {})
        return Namer(
            record=lambda rid: _short(self.titles[rid], 200) if rid in self.titles else None,
            person=lambda name: known.get(name, name),
            stage=self.stage,
        )

    @property
    def incoming(self) -> dict[str, list[tuple[str, str, str]]]:
        """``target id -> [(collection, record id, field)]``: who refers to each record."""
        if self._incoming is None:
            found: dict[str, list[tuple[str, str, str]]] = {}
            for rid, (collection, record) in self.index.items():
                for key, target in _references(record):
                    if target != rid:
                        found.setdefault(target, []).append((collection, rid, key))
            self._incoming = found
        return self._incoming


def _references(record: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """``(field, id)`` for every reference a record makes (nested tables included)."""
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        name = key or field.name
        if "ref" in field.metadata:
            for target in value if isinstance(value, tuple) else (value,):
                if isinstance(target, str) and target:
                    yield name, target
        elif attrs.has(type(value)):
            yield from _references(value, name)
        elif isinstance(value, tuple):
            for item in value:
                if attrs.has(type(item)):
                    yield from _references(item, name)


_boards: dict[int, Board] = {}
_boards_lock = threading.Lock()


def board_view(loaded: LoadedBoard) -> Board:
    """The :class:`Board` of ``loaded`` (made once per board object; the last few kept)."""
    with _boards_lock:
        found = _boards.get(id(loaded))
        if found is None or found.loaded is not loaded:
            found = Board(loaded)
            if len(_boards) >= 4:
                _boards.clear()
            _boards[id(loaded)] = found
        return found


# --------------------------------------------------------------------------- fields in words


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == () or value == {} or value == []


def _cell(
    view: Board, field: attrs.Attribute[Any] | None, value: Any, key: str = "", people: Mapping[str, str] | None = None
) -> tuple[Link, ...]:
    """One value as links or text."""
    if _is_blank(value):
        return ()
    meta = field.metadata if field is not None else {}
    if "ref" in meta:
        targets = value if isinstance(value, tuple) else (value,)
        return tuple(view.link(str(t)) for t in targets)
    if "term" in meta and view.loaded.framework is not None:
        names = value if isinstance(value, tuple) else (value,)
        return (Link(", ".join(view.loaded.framework.title_of(meta["term"], str(n)) for n in names)),)
    if key == "stage" and isinstance(value, str):
        return (Link(view.stage(value)),)
    if key == "by" and isinstance(value, str) and people:  # who changed an action's status
        return (Link(people.get(value, value)),)
    return (Link(_plain(value)),)


def _plain(value: Any) -> str:
    """A value in words (no references: those are links)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, enum.Enum):
        return str(value.value).replace("-", " ")
    if isinstance(value, dt.date):
        return day_in_words(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, tuple):
        return "; ".join(_plain(v) for v in value if not _is_blank(v))
    if isinstance(value, Mapping):
        return "; ".join(f"{field_label(str(k))}: {_plain(v)}" for k, v in value.items())
    if attrs.has(type(value)):
        parts = []
        for f in attrs.fields(type(value)):
            v = getattr(value, f.name)
            if not _is_blank(v):
                parts.append(f"{field_label(f.name)} {_plain(v)}")
        return ", ".join(parts)
    return str(value)


def _label(key: str) -> str:
    text = field_label(key)
    return text[:1].upper() + text[1:]


def _field(
    view: Board, field: attrs.Attribute[Any], value: Any, people: Mapping[str, str] | None = None
) -> Field | None:
    if _is_blank(value):
        return None
    label = _label(field.name)
    if attrs.has(type(value)):  # a nested table: a review's dates, a measure's target
        facts = []
        for sub in attrs.fields(type(value)):
            item = _field(view, sub, getattr(value, sub.name), people)
            if item is not None:
                facts.append(item)
        return Field(label, facts=tuple(facts)) if facts else None
    if field.name == "attachments" and isinstance(value, tuple):  # evidence's files: downloads
        return Field(
            label,
            links=tuple(
                Link(f"{a.name} ({size_in_words(a.size)})", f"/attachments/{a.sha256}")
                for a in value
                if isinstance(getattr(a, "sha256", None), str)
            ),
        )
    if isinstance(value, tuple) and value and all(attrs.has(type(v)) for v in value):
        cls = type(value[0])
        columns = [f for f in attrs.fields(cls) if any(not _is_blank(getattr(v, f.name, None)) for v in value)]
        rows = tuple(tuple(_cell(view, f, getattr(v, f.name, None), f.name, people) for f in columns) for v in value)
        return Field(label, table=Table(tuple(_label(f.name) for f in columns), rows))
    if isinstance(value, Mapping):
        return Field(label, facts=tuple(Field(str(k), text=_plain(v)) for k, v in value.items()))
    links = _cell(view, field, value, field.name, people)
    if "ref" in field.metadata:
        return Field(label, links=links)
    text = links[0].text if links else ""
    return Field(label, text=text, long=len(text) > 100 or "\n" in text)


def record_fields(
    view: Board, record: Any, *, skip: Iterable[str] = ("id",), people: Mapping[str, str] | None = None
) -> list[Field]:
    """A record's fields in words, in the model's order, empty ones left out."""
    left_out = set(skip)
    out = []
    for field in attrs.fields(type(record)):
        if field.name in left_out:
            continue
        item = _field(view, field, getattr(record, field.name), people)
        if item is not None:
            out.append(item)
    return out


# --------------------------------------------------------------------------- lists


@attrs.frozen
class Listing:
    """A list page: the collection, its path, its heading, and which fields its filters and
    columns use (``None``: the collection has no such field).

    Attributes:
        owner: the field naming who owns a record (an action's ``owner``, evidence's ``source``).
        status: the field giving its status (an action's ``status``, a review's ``stage``).
        priority: the field naming the business-plan priority it serves.
        date: the date the due filters and the date column use (``due``, ``date``...).
    """

    collection: str
    slug: str
    heading: str
    owner: str | None = None
    status: str | None = None
    priority: str | None = None
    date: str | None = None
    date_label: str = "Due"
    kind: str | None = None


LISTINGS: tuple[Listing, ...] = (
    Listing("reviews", "reviews", "Case reviews", owner="commissioned_by", status="stage", kind="kind"),
    Listing("findings", "findings", "Findings", owner="source", kind="category"),
    Listing("recommendations", "recommendations", "Recommendations", owner="owners", date="due", kind="kind"),
    Listing("actions", "actions", "Actions", owner="owner", status="status", priority="priority", date="due"),
    Listing(
        "evidence",
        "evidence",
        "Evidence",
        owner="source",
        status="strength",
        date="date",
        date_label="Dated",
        kind="kind",
    ),
    Listing("audits", "audits", "Audits", owner="lead", date="date", date_label="Dated", kind="kind"),
    Listing("planned_audits", "planned-audits", "Planned audits", owner="partner", status="status", date="due"),
    Listing("section11_audits", "section11", "Section 11 self-assessments", date="date", date_label="Dated"),
    Listing("courses", "courses", "Training courses", owner="provider"),
    Listing("measures", "measures", "Measures", owner="owner", kind="quadrant"),
    Listing("publications", "publications", "Publications", date="published", date_label="Published", kind="kind"),
    Listing("national_reviews", "national-reviews", "National reviews", date="published", date_label="Published"),
    Listing("scrutiny", "scrutiny", "Independent scrutiny", date="date", date_label="Dated"),
    Listing("contributions", "contributions", "Contributions", owner="partner"),
    Listing("feedback", "feedback", "Feedback", status="given_by", date="date", date_label="Dated"),
    Listing("child_deaths", "child-deaths", "Child death figures"),
)
_BY_COLLECTION = {listing.collection: listing for listing in LISTINGS}


def listing_of(collection: str) -> Listing | None:
    return _BY_COLLECTION.get(collection)


def _values(record: Any, name: str | None) -> tuple[str, ...]:
    """A field's values as text (a reference or a list of them; a choice's value)."""
    if name is None:
        return ()
    value = getattr(record, name, None)
    if _is_blank(value):
        return ()
    items = value if isinstance(value, tuple) else (value,)
    return tuple(str(v.value) if isinstance(v, enum.Enum) else str(v) for v in items)


def _date_of(record: Any, name: str | None) -> dt.date | None:
    value = getattr(record, name, None) if name else None
    return value if isinstance(value, dt.date) else None


def _parse_day(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


@attrs.frozen
class Row:
    id: str
    title: str
    owner: tuple[Link, ...]
    status: str
    date: str
    date_iso: str
    overdue: bool
    kind: str


@attrs.frozen
class Filters:
    owner: str = ""
    status: str = ""
    priority: str = ""
    kind: str = ""
    after: str = ""
    before: str = ""
    sort: str = ""
    order: str = "asc"


def list_rows(view: Board, listing: Listing, filters: Filters, today: dt.date) -> tuple[list[Row], int, list[str]]:
    """The rows of a list page, filtered and sorted: ``(rows, total before filtering, problems
    with the filters)``."""
    records = list(view.loaded.board.collection(listing.collection))
    total = len(records)
    problems = []
    after, before = _parse_day(filters.after), _parse_day(filters.before)
    if filters.after and after is None:
        problems.append(f"{listing.date_label} after: {filters.after!r} is not a date: write it as 2019-03-31")
    if filters.before and before is None:
        problems.append(f"{listing.date_label} before: {filters.before!r} is not a date: write it as 2019-03-31")

    def keep(record: Any) -> bool:
        if filters.owner and filters.owner not in _values(record, listing.owner):
            return False
        if filters.status:
            statuses = _values(record, listing.status)
            if filters.status == "open" and listing.collection == "actions":
                if any(s in CLOSED_STATUSES for s in statuses):
                    return False
            elif filters.status == "overdue" and listing.collection == "actions":
                day = _date_of(record, "due")
                if day is None or day >= today or any(s in CLOSED_STATUSES for s in statuses):
                    return False
            elif filters.status not in statuses:
                return False
        if filters.priority and filters.priority not in _values(record, listing.priority):
            return False
        if filters.kind and filters.kind not in _values(record, listing.kind):
            return False
        day = _date_of(record, listing.date)
        if after is not None and (day is None or day <= after):
            return False
        return not (before is not None and (day is None or day >= before))

    kept = [r for r in records if keep(r)]
    rows = []
    for record in kept:
        statuses = _values(record, listing.status)
        day = _date_of(record, listing.date)
        overdue = (
            listing.date == "due"
            and day is not None
            and day < today
            and not any(s in CLOSED_STATUSES for s in statuses)
            and listing.collection in ("actions", "planned_audits", "recommendations")
        )
        if listing.collection == "recommendations":
            overdue = False  # a recommendation is done through its actions
        status_words = ", ".join(view.stage(s) if listing.status == "stage" else s.replace("-", " ") for s in statuses)
        kind = _values(record, listing.kind)
        kind_words = ", ".join(_kind_title(view, listing, k) for k in kind)
        rows.append(
            Row(
                id=record.id,
                title=_short(_title(record), 160),
                owner=tuple(view.link(o) for o in _values(record, listing.owner)),
                status=status_words,
                date=day_in_words(day) if day else "",
                date_iso=day.isoformat() if day else "",
                overdue=overdue,
                kind=kind_words,
            )
        )
    keys: dict[str, Callable[[Row], Any]] = {
        "id": lambda r: r.id.casefold(),
        "title": lambda r: r.title.casefold(),
        "owner": lambda r: " ".join(link.text for link in r.owner).casefold(),
        "status": lambda r: r.status,
        "date": lambda r: (r.date_iso == "", r.date_iso),
        "kind": lambda r: r.kind,
    }
    if filters.sort in keys:
        rows.sort(key=keys[filters.sort], reverse=filters.order == "desc")
    return rows, total, problems


def _kind_title(view: Board, listing: Listing, value: str) -> str:
    framework = view.loaded.framework
    vocabulary = {"reviews": "review_kinds", "evidence": "evidence_kinds", "publications": "obligations"}.get(
        listing.collection
    )
    if framework is not None and vocabulary is not None:
        return framework.title_of(vocabulary, value)
    return value.replace("-", " ")


def _options(view: Board, listing: Listing, name: str | None, *, titled: bool) -> list[tuple[str, str]]:
    """``(value, words)`` for a filter's select: every value the collection's records have."""
    if name is None:
        return []
    seen: dict[str, str] = {}
    for record in view.loaded.board.collection(listing.collection):
        for value in _values(record, name):
            if value in seen:
                continue
            if titled:
                seen[value] = view.title(value) or value
            elif name == "stage":
                seen[value] = view.stage(value)
            elif name == listing.kind:
                seen[value] = _kind_title(view, listing, value)
            else:
                seen[value] = value.replace("-", " ")
    return sorted(seen.items(), key=lambda item: item[1].casefold())


def _status_options(view: Board, listing: Listing) -> list[tuple[str, str]]:
    options = _options(view, listing, listing.status, titled=False)
    if listing.status == "stage":
        order = {s: i for i, s in enumerate(_stage_order(view.loaded))}
        options.sort(key=lambda item: order.get(item[0], len(order)))
    if listing.collection == "actions":
        options = [("open", "open (not completed or cancelled)"), ("overdue", "overdue"), *options]
    return options


def _stage_order(loaded: LoadedBoard) -> list[str]:
    from lif_core import LIFECYCLE

    order = list(LIFECYCLE)
    framework = loaded.framework
    if framework is not None:
        for spec in framework.review_kinds:
            for stage in spec.stages:
                if stage not in order:
                    order.append(stage)
    return order


def _filters(request: Request) -> Filters:
    q = request.query_params

    def one(name: str) -> str:
        return q.get(name, "").strip()[:200]

    order = one("order")
    return Filters(
        owner=one("owner"),
        status=one("status"),
        priority=one("priority"),
        kind=one("kind"),
        after=one("after"),
        before=one("before"),
        sort=one("sort"),
        order=order if order in ("asc", "desc") else "asc",
    )


def _sort_links(request: Request, filters: Filters) -> dict[str, dict[str, str]]:
    """For each sortable column: the URL that sorts by it (the other way where it is the
    current sort) and its ``aria-sort`` value."""
    out = {}
    base = {k: v for k, v in request.query_params.items() if k not in ("sort", "order") and v}
    for column in ("id", "title", "owner", "status", "date", "kind"):
        current = filters.sort == column
        order = "desc" if current and filters.order == "asc" else "asc"
        out[column] = {
            "url": "?" + urlencode({**base, "sort": column, "order": order}),
            "aria": ("ascending" if filters.order == "asc" else "descending") if current else "none",
        }
    return out


# --------------------------------------------------------------------------- the dashboard


@attrs.frozen
class ClockView:
    review: Link
    name: str
    due: str
    state: str  # "overdue" or "due soon"


@attrs.frozen
class MeasureView:
    measure: Link
    rag: str
    latest: str
    trend: str


@attrs.frozen
class Dashboard:
    """What the dashboard shows, as at ``today``.

    Attributes:
        overdue: actions past their due date and not completed or cancelled, earliest first.
        clocks: review clocks overdue or due within :data:`DUE_SOON_DAYS`, overdue first.
        measures: each measure's RAG as the scorecard computes it (protected figures).
        rag_counts: how many measures are red, amber, green or not rated.
        stages: ``(stage, words, count)`` for every stage some review is at, in stage order.
        themes: recurring themes with no system-level response (``(theme, sources)``).
        problems: what could not be worked out (a data source that could not be read...).
    """

    today: dt.date
    overdue: tuple[tuple[Link, str, tuple[Link, ...], str], ...]
    clocks: tuple[ClockView, ...]
    measures: tuple[MeasureView, ...]
    rag_counts: tuple[tuple[str, int], ...]
    stages: tuple[tuple[str, str, int], ...]
    themes: tuple[tuple[str, tuple[Link, ...]], ...]
    problems: tuple[str, ...] = ()


_scorecards: dict[tuple[Any, ...], tuple[Score, ...]] = {}
_scorecards_lock = threading.Lock()


def _stamps(loaded: LoadedBoard) -> tuple[Any, ...]:
    """What the scorecard is computed from, as file stamps: the board's files, its register's
    (not the ``-shm`` index, which readers touch) and its data sources'."""
    names = {*loaded.files, *(source.path for source in loaded.board.sources)}
    with contextlib.suppress(OSError):
        names |= {p.name for p in loaded.root.glob("register*") if not p.name.endswith("-shm")}
    out: list[tuple[str, int | None, int | None]] = []
    for name in sorted(names):
        try:
            stat = (loaded.root / name).stat()
            out.append((name, stat.st_mtime_ns, stat.st_size))
        except OSError:
            out.append((name, None, None))
    return (str(loaded.root), *out)


def scores(loaded: LoadedBoard, plugins: Plugins) -> list[Score]:
    """The board's scorecard (:command:`lif measures`), every figure from children's records
    protected under the board's rule; kept while the board's files, its register and its data
    files are unchanged (a write changes the register's file, which computes it again)."""
    from lif_core import board_rule, scorecard

    key = (id(plugins), _stamps(loaded))
    with _scorecards_lock:
        found = _scorecards.get(key)
        if found is not None:
            return list(found)
    result = scorecard(loaded, plugins, rule=board_rule(loaded))
    with _scorecards_lock:
        if len(_scorecards) >= 8:
            _scorecards.clear()
        _scorecards[key] = tuple(result)
    return result


def dashboard_data(loaded: LoadedBoard, plugins: Plugins, today: dt.date) -> Dashboard:
    """What the dashboard shows as at ``today``, worked out with lif-core's own analyses (the
    clocks of ``lif reviews``, the scorecard of ``lif measures``, the flags of ``lif themes``)."""
    from lif_core import ClockState, recurring_themes, review_clocks

    view = board_view(loaded)
    board = loaded.board
    problems: list[str] = []

    overdue = sorted(
        (a for a in board.actions if a.due is not None and a.due < today and a.status.value not in CLOSED_STATUSES),
        key=lambda a: (a.due, a.id),
    )
    overdue_rows = tuple(
        (
            view.link(a.id),
            day_in_words(a.due),
            (view.link(a.owner),) if a.owner else (),
            a.status.value.replace("-", " "),
        )
        for a in overdue
    )

    clocks: list[tuple[int, dt.date, ClockView]] = []
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    for review in board.reviews:
        try:
            found = review_clocks(review, board, today, loaded.framework)
        except LifError as exc:
            problems.append(f"{review.id}: {exc}")
            continue
        for clock in found:
            if clock.state is ClockState.OVERDUE:
                clocks.append(
                    (0, clock.due, ClockView(view.link(review.id), clock.name, day_in_words(clock.due), "overdue"))
                )
            elif clock.state is ClockState.RUNNING and clock.due <= soon:
                clocks.append(
                    (1, clock.due, ClockView(view.link(review.id), clock.name, day_in_words(clock.due), "due soon"))
                )
    clocks.sort(key=lambda item: (item[0], item[1]))

    measures: list[MeasureView] = []
    counts = {"red": 0, "amber": 0, "green": 0, "none": 0}
    try:
        scored = scores(loaded, plugins)
    except LifError as exc:
        problems.append(f"measures: {exc}")
        scored = []
    for s in scored:
        rag = s.rag if s.rag in counts else "none"
        counts[rag] += 1
        trend = s.trend or ""
        measures.append(MeasureView(view.link(s.measure.id), rag, s.latest_text(), trend))
    order = {"red": 0, "amber": 1, "green": 2, "none": 3}
    measures.sort(key=lambda m: (order[m.rag], m.measure.text.casefold()))

    at: dict[str, int] = {}
    for review in board.reviews:
        at[review.stage] = at.get(review.stage, 0) + 1
    stage_order = _stage_order(loaded)
    stages = tuple(
        (stage, view.stage(stage), at[stage])
        for stage in sorted(at, key=lambda s: (stage_order.index(s) if s in stage_order else len(stage_order), s))
    )

    themes = []
    for found_theme in recurring_themes(board, today):
        if found_theme.flagged:
            themes.append((found_theme.theme.label, tuple(view.link(s) for s in found_theme.sources)))

    return Dashboard(
        today=today,
        overdue=overdue_rows,
        clocks=tuple(c for _o, _d, c in clocks),
        measures=tuple(measures),
        rag_counts=tuple((k, counts[k]) for k in ("red", "amber", "green", "none")),
        stages=stages,
        themes=tuple(themes),
        problems=tuple(problems),
    )


# --------------------------------------------------------------------------- search


@attrs.frozen
class Result:
    id: str
    title: str
    noun: str
    before: str
    match: str
    after: str


def _texts(record: Any) -> Iterator[str]:
    """Every piece of text in a record (nested tables included)."""
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, enum.Enum):
            continue
        elif attrs.has(type(value)):
            yield from _texts(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, str):
                    yield item
                elif attrs.has(type(item)):
                    yield from _texts(item)


def search_records(loaded: LoadedBoard, query: str, limit: int = MAX_RESULTS) -> tuple[list[Result], int]:
    """The register's records whose id, title or text holds ``query`` (any case), those whose
    id or title does first: ``(results, how many matched)``."""
    needle = " ".join(query.split()).casefold()
    if not needle:
        return [], 0
    ranked: list[tuple[int, int, Result]] = []
    position = 0
    for collection in REGISTER_COLLECTIONS:
        for record in loaded.board.collection(collection):
            position += 1
            title = _title(record)
            rank = 0 if needle in record.id.casefold() else 1 if needle in title.casefold() else 2
            if rank == 2:
                text = next((t for t in _texts(record) if needle in " ".join(t.split()).casefold()), None)
                if text is None:
                    continue
            else:
                text = title
            before, match, after = _snippet(" ".join(text.split()), needle)
            ranked.append(
                (
                    rank,
                    position,
                    Result(record.id, _short(title, 160), collection_noun(collection), before, match, after),
                )
            )
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [r for _rank, _pos, r in ranked[:limit]], len(ranked)


def _snippet(text: str, needle: str, context: int = 70) -> tuple[str, str, str]:
    at = text.casefold().find(needle)
    if at < 0 or len(text.casefold()) != len(text):  # case folding changed the length: no highlight
        return _short(text, 2 * context), "", ""
    start, end = max(0, at - context), min(len(text), at + len(needle) + context)
    before = ("..." if start > 0 else "") + text[start:at]
    after = text[at + len(needle) : end] + ("..." if end < len(text) else "")
    return before, text[at : at + len(needle)], after


# --------------------------------------------------------------------------- handlers


def _today(loaded: LoadedBoard) -> dt.date:
    """The day pages judge what is due and overdue at: the board's ``settings.report_date``
    where it has one (as ``lif overdue`` does), else today."""
    from lif_core.commands import as_of_day

    return as_of_day(None, loaded)


def _people(request: Request) -> dict[str, str]:
    """Account name -> the name shown, for the story."""
    with contextlib.suppress(Exception):
        return {a.name: a.display or a.name for a, _created in web.accounts(request).users()}
    return {}


def dashboard(request: Request) -> HTMLResponse:
    web.account(request)
    loaded = web.loaded_board(request)
    data = dashboard_data(loaded, web.plugins(request), _today(loaded))
    recent: list[Entry] = []
    with contextlib.suppress(LifError):
        with _read_register(request) as reg:
            changes = reg.recent_changes(10)
        recent = story(changes, board_view(loaded).namer(_people(request)))
    return web.render(
        request, "pages/dashboard.html", title="Dashboard", data=data, recent=recent, today=day_in_words(data.today)
    )


def _list_page(listing: Listing) -> Callable[[Request], HTMLResponse]:
    def page(request: Request) -> HTMLResponse:
        who = web.account(request)
        loaded = web.loaded_board(request)
        view = board_view(loaded)
        filters = _filters(request)
        today = _today(loaded)
        rows, total, problems = list_rows(view, listing, filters, today)
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        try:
            number = min(max(1, int(request.query_params.get("page", "1"))), pages)
        except ValueError:
            number = 1
        shown = rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        base = {k: v for k, v in request.query_params.items() if k != "page" and v}
        paging = {
            "number": number,
            "pages": pages,
            "first": (number - 1) * PAGE_SIZE + 1,
            "last": (number - 1) * PAGE_SIZE + len(shown),
            "previous": "?" + urlencode({**base, "page": number - 1}) if number > 1 else None,
            "next": "?" + urlencode({**base, "page": number + 1}) if number < pages else None,
        }
        may_add = _may_add(who, listing, loaded)
        return web.render(
            request,
            "pages/list.html",
            title=listing.heading,
            listing=listing,
            noun=collection_noun(listing.collection),
            rows=shown,
            count=len(rows),
            total=total,
            paging=paging,
            filters=filters,
            problems=problems,
            owners=_options(view, listing, listing.owner, titled=True),
            statuses=_status_options(view, listing),
            priorities=_options(view, listing, listing.priority, titled=True),
            kinds=_options(view, listing, listing.kind, titled=False),
            sorting=_sort_links(request, filters),
            today=day_in_words(today),
            may_add=may_add,
            filtered=any(attrs.astuple(filters)[:6]),
        )

    page.__name__ = f"list_{listing.collection}"
    return page


def _may_add(who: web.Account, listing: Listing, loaded: LoadedBoard) -> bool:
    """Whether to offer "Add" on a list: a new record owned by the person's agency would be
    theirs to make (:func:`lif_web.web.can_change`)."""
    if who.role == "reader":
        return False
    candidate = {listing.owner: who.partner} if listing.owner and who.partner else {}
    return web.can_change(who, listing.collection, candidate, loaded)


@contextlib.contextmanager
def _read_register(request: Request) -> Iterator[Any]:
    """The board's register, opened only to read it (its history, its versions)."""
    from lif_core.commands import open_register

    with open_register(web.board_path(request), web.plugins(request), write=False) as reg:
        yield reg


def record_page(request: Request) -> HTMLResponse:
    who = web.account(request)
    record_id = request.path_params["record_id"]
    loaded = web.loaded_board(request)
    view = board_view(loaded)
    found = view.index.get(record_id)
    if found is None:
        return _deleted_page(request, view, record_id)
    collection, record = found
    in_register = collection in REGISTER_COLLECTIONS
    changes: list[Any] = []
    data: dict[str, Any] | None = None
    version = 0
    if in_register:
        with contextlib.suppress(LifError), _read_register(request) as reg:
            changes = reg.history(record_id)
            with contextlib.suppress(LifError):
                data = reg.get(record_id)[1]
            version = reg.version(record_id) if hasattr(reg, "version") else (changes[-1].seq if changes else 0)
    people = _people(request)
    entries = story(changes, view.namer(people), newest_first=True)
    editable = bool(in_register and data is not None and web.can_change(who, collection, data, loaded))
    skip = {"id", "title"} if hasattr(record, "title") else {"id"}
    if collection == "section11_audits":
        skip.add("returns")  # shown as a table per partner, with its form
    fields = record_fields(view, record, skip=skip, people=people)
    related = _related(view, record_id)
    extra: dict[str, Any] = {}
    if collection == "measures":
        extra["score"] = _measure_score(request, loaded, record_id)
    if collection == "reviews":
        extra["clocks"] = _review_clocks(loaded, record, _today(loaded))
    if collection == "section11_audits":
        extra["returns"] = _returns(view, who, record, data, loaded)
    return web.render(
        request,
        "pages/record.html",
        title=_heading(collection, record),
        record_id=record_id,
        collection=collection,
        noun=collection_noun(collection),
        listing=listing_of(collection),
        fields=fields,
        related=related,
        story=entries,
        editable=editable,
        version=version,
        in_register=in_register,
        actions=_record_actions(collection, record_id, editable),
        **extra,
    )


def _deleted_page(request: Request, view: Board, record_id: str) -> HTMLResponse:
    """A record no longer on the board: its story, where the register remembers it (deleted
    records keep their history); 404 where it never was."""
    changes: list[Any] = []
    if len(record_id) <= 200:
        with contextlib.suppress(LifError), _read_register(request) as reg:
            changes = reg.history(record_id)
    if not changes:
        raise HTTPException(404, f"There is no record {record_id!r} on this board.")
    last = changes[-1]
    before = last.old or last.new or {}
    noun = collection_noun(last.collection)
    title = _short(str(before.get("title") or before.get("text") or record_id), 100)
    return web.render(
        request,
        "pages/record.html",
        status=404 if last.new is None else 200,
        title=title,
        record_id=record_id,
        collection=last.collection,
        noun=noun,
        listing=listing_of(last.collection),
        fields=[],
        related=[],
        story=story(changes, view.namer(_people(request)), newest_first=True),
        editable=False,
        version=0,
        in_register=True,
        deleted=last.new is None,
        actions=[],
    )


def _heading(collection: str, record: Any) -> str:
    """A record page's heading: its title (shortened), with what it is where the title alone is a
    year or a cycle ("Self-assessment cycle 2017-2020")."""
    title = _short(_title(record), 100)
    if collection in ("section11_audits", "contributions", "child_deaths", "publications") and not getattr(
        record, "title", ""
    ):
        noun = collection_noun(collection)
        return f"{noun[:1].upper()}{noun[1:]} {title}"
    return title


def _returns(
    view: Board, who: web.Account, audit: Any, data: Mapping[str, Any] | None, loaded: LoadedBoard
) -> list[dict[str, Any]]:
    """A self-assessment cycle's returns, one per partner: its scores standard by standard, and
    the link to its form where the person may fill it in (their agency's) or moderate it (an
    administrator); an editor whose agency has no return yet is offered one."""
    out = []
    may = data is not None and who.role != "reader" and web.can_change(who, "section11_audits", data, loaded)
    partners = [r.partner for r in audit.returns]
    for item in audit.returns:
        mine = who.role == "admin" or (who.role == "editor" and who.partner == item.partner)
        out.append(
            {
                "partner": view.link(item.partner),
                "submitted": day_in_words(item.submitted) if item.submitted else "not yet submitted",
                "scores": [
                    (view.link(score.standard), score.self_assessed, score.moderated, score.note)
                    for score in item.scores
                ],
                "form": f"/r/{audit.id}/s11/{item.partner}" if may and mine else None,
                "form_label": "Moderate this return" if who.role == "admin" else "Update your agency's return",
            }
        )
    if may and who.role == "editor" and who.partner and who.partner not in partners:
        out.append(
            {
                "partner": view.link(who.partner),
                "submitted": "not yet started",
                "scores": [],
                "form": f"/r/{audit.id}/s11/{who.partner}",
                "form_label": "Fill in your agency's return",
            }
        )
    return out


def _record_actions(collection: str, record_id: str, editable: bool) -> list[tuple[str, str]]:
    """The buttons a record page offers: ``(label, url)`` of W3's forms, where the person may."""
    if not editable:
        return []
    out = [("Edit", f"/r/{record_id}/edit")]
    if collection == "actions":
        out.append(("Change status", f"/r/{record_id}/status"))
    if collection == "reviews":
        out.append(("Move to the next stage", f"/r/{record_id}/stage"))
    if collection == "measures":
        out.append(("Record a value", f"/r/{record_id}/value"))
    if collection == "evidence":
        out.append(("Attach a file", f"/r/{record_id}/attach"))
    return out


_RELATED_ORDER = ("reviews", "findings", "recommendations", "actions", "evidence")


def _related(view: Board, record_id: str) -> list[tuple[str, list[tuple[Link, str]]]]:
    """The records that refer to this one, by collection: ``(heading, [(link, detail)])``."""
    grouped: dict[str, list[tuple[Link, str]]] = {}
    seen: set[str] = set()
    for collection, rid, _key in view.incoming.get(record_id, []):
        if rid in seen:
            continue
        seen.add(rid)
        record = view.index[rid][1]
        detail = []
        status = getattr(record, "status", None)
        if isinstance(status, enum.Enum):
            detail.append(str(status.value).replace("-", " "))
        stage = getattr(record, "stage", None)
        if isinstance(stage, str) and collection == "reviews":
            detail.append(view.stage(stage))
        due = getattr(record, "due", None)
        if isinstance(due, dt.date):
            detail.append(f"due {day_in_words(due)}")
        grouped.setdefault(collection, []).append((view.link(rid), ", ".join(detail)))
    order = {c: i for i, c in enumerate(_RELATED_ORDER)}
    out = []
    for collection in sorted(grouped, key=lambda c: (order.get(c, len(order)), c)):
        listing = listing_of(collection)
        heading = listing.heading if listing is not None else field_label(collection).capitalize()
        out.append((heading, grouped[collection]))
    return out


def _review_clocks(loaded: LoadedBoard, review: Any, today: dt.date) -> list[tuple[str, str, str]]:
    from lif_core import review_clocks

    out = []
    with contextlib.suppress(LifError):
        for clock in review_clocks(review, loaded.board, today, loaded.framework):
            state = {"met": "met", "met-late": "met late", "running": "running", "overdue": "overdue"}.get(
                clock.state.value, clock.state.value
            )
            done = f", done {day_in_words(clock.done)}" if clock.done else ""
            out.append((clock.name, f"due {day_in_words(clock.due)}{done}", state))
    return out


def _measure_score(request: Request, loaded: LoadedBoard, measure_id: str) -> dict[str, Any] | None:
    """The measure as the scorecard has it: every figure protected (``c`` where hidden)."""
    try:
        scored = scores(loaded, web.plugins(request))
    except LifError as exc:
        return {"problem": str(exc)}
    found = next((s for s in scored if s.measure.id == measure_id), None)
    if found is None:
        return None
    points = [
        (period, found.shown(period, value) if value is not None else found.labels.get(period, "c"))
        for period, value in found.points()
    ]
    return {
        "rag": found.rag,
        "latest": found.latest_text(),
        "trend": found.trend,
        "direction": found.direction,
        "points": points,
        "prompts": list(found.prompts),
        "successes": list(found.successes),
        "problems": [p.message for p in found.problems],
    }


def search(request: Request) -> HTMLResponse:
    web.account(request)
    query = request.query_params.get("q", "")[:200]
    loaded = web.loaded_board(request)
    results, matched = search_records(loaded, query)
    return web.render(request, "pages/search.html", title="Search", query=query, results=results, matched=matched)


def _list_routes() -> list[BaseRoute]:
    return [Route(f"/{listing.slug}", _list_page(listing), methods=["GET"]) for listing in LISTINGS]


#: The pages this module serves (collected by :func:`lif_web.app.create_app`).
routes: list[BaseRoute] = [
    Route("/", dashboard, methods=["GET"]),
    *_list_routes(),
    Route("/r/{record_id}", record_page, methods=["GET"]),
    Route("/search", search, methods=["GET"]),
]
