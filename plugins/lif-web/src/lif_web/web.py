"""The helper API every page of lif-web uses: who is signed in, what they may change, the board
as it is now, its register for a write, and pages, redirects and forms.

Handlers are plain ``def`` functions: Starlette runs them in its thread pool, so the register,
the board and the templates (all synchronous, and a write may wait seconds for SQLite's write
lock) never hold up the event loop. A page handler::

    def action_page(request):
        loaded = loaded_board(request)          # the board, register included, as now
        who = account(request)                   # signed in, else redirected to /login
        ...
        return render(request, "pages/action.html", action=action, editable=can_change(who, "actions", record, loaded))

A form handler (the CSRF token was checked before it runs)::

    def update_action(request):
        who = require(request, "admin", "editor")
        data = form_data(request)
        ...
        if not can_change(who, "actions", record, loaded_board(request), before=old):
            forbidden()
        with register(request) as reg:           # history names who
            reg.update(action_id, changes, expected=int(data["version"]))
        return redirect(request, f"/r/{action_id}", "Action updated")
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from lif_core.commands import open_register

from .accounts import ROLES, Account, Accounts, Session
from .config import WebConfig

if TYPE_CHECKING:
    from lif_core import LoadedBoard, Plugins, Problem, Validation

__all__ = [
    "ROLES",
    "Account",
    "SignInRequired",
    "account",
    "board_folder",
    "board_problems",
    "can_change",
    "display_names",
    "error_page",
    "forbidden",
    "form_data",
    "loaded_board",
    "nav",
    "read_register",
    "redirect",
    "register",
    "render",
    "require",
    "safe_next",
    "templates",
]

#: The pages every signed-in person sees in the navigation: (label, path).
NAV: tuple[tuple[str, str], ...] = (
    ("Dashboard", "/"),
    ("Reviews", "/reviews"),
    ("Recommendations", "/recommendations"),
    ("Actions", "/actions"),
    ("Evidence", "/evidence"),
    ("Audits", "/audits"),
    ("Section 11", "/section11"),
    ("Training", "/courses"),
    ("Measures", "/measures"),
    ("Search", "/search"),
    ("Report", "/report"),
)


class SignInRequired(Exception):
    """Raised by :func:`account` where nobody is signed in: the app sends the browser to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


# --------------------------------------------------------------------------- templates

_environment: jinja2.Environment | None = None


def templates() -> jinja2.Environment:
    """The package's templates (autoescaped: never mark user text ``|safe``)."""
    global _environment
    if _environment is None:
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("lif_web", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.Undefined,
        )
        env.globals["static"] = lambda path: f"/static/{path}"
        _environment = env
    return _environment


# --------------------------------------------------------------------------- the board folder


def board_folder(path: str | Path) -> Path:
    """The board folder ``path`` names (the folder, or its board.toml); a clear error where
    there is no board."""
    from lif_core import LifError

    root = Path(path)
    if root.name == "board.toml" and root.is_file():
        root = root.parent
    if not root.is_dir():
        raise LifError(f"{path}: no such board folder (create one with `lif init {path}`)")
    if not (root / "board.toml").is_file():
        raise LifError(f"{path}: no board.toml in this folder (create a board with `lif init {path}`)")
    return root


def check_board(root: Path, host: Plugins) -> Validation:
    """The board checked as ``lif reviews`` and ``lif report`` check it: readable even where
    checks find errors in how its reviews are run (pages show those), refused (``BoardInvalid``)
    only where its files cannot be read into a board."""
    from lif_core import BoardInvalid, validate_board

    result = validate_board(root, host)
    if result.loaded is None:
        raise BoardInvalid(result.problems, board=str(root))
    return result


# --------------------------------------------------------------------------- the app's state


def _state(request: Request) -> Any:
    return request.app.state


def board_path(request: Request) -> Path:
    """The board folder being served."""
    path: Path = _state(request).board
    return path


def config(request: Request) -> WebConfig:
    cfg: WebConfig = _state(request).config
    return cfg


def plugins(request: Request) -> Plugins:
    host: Plugins = _state(request).plugins
    return host


def accounts(request: Request) -> Accounts:
    store: Accounts = _state(request).accounts
    return store


def session(request: Request) -> Session | None:
    """The browser's session (None before it has one)."""
    value: Session | None = request.scope.get("lif.session")
    return value


def set_session(request: Request, new: Session | None) -> None:
    """Make ``new`` the browser's session from this response on (None: end it): the cookie is
    set (or cleared) with the response."""
    request.scope["lif.session"] = new
    request.scope["lif.cookie"] = new.id if new is not None else ""


def ensure_session(request: Request) -> Session:
    """The browser's session, made (not signed in) where it has none, for a form's CSRF token."""
    current = session(request)
    if current is None:
        current = accounts(request).new_session()
        set_session(request, current)
    return current


# --------------------------------------------------------------------------- who


def account(request: Request) -> Account:
    """The signed-in person; where nobody is, :class:`SignInRequired` (the browser is sent to
    /login, and back here after)."""
    current = session(request)
    if current is None or current.account is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    return current.account


def forbidden(message: str = "Your account may not do this.") -> HTTPException:
    """The 403 refusal, to raise: ``raise forbidden()``."""
    return HTTPException(403, message)


def require(request: Request, *roles: str) -> Account:
    """The signed-in person, where their role is one of ``roles`` (any role where none are
    given); otherwise a 403 page."""
    who = account(request)
    if roles and who.role not in roles:
        raise forbidden(f"This needs the role {' or '.join(roles)}; you are signed in as a {who.role_name}.")
    return who


def _owners(record: Mapping[str, Any], key: str) -> set[str]:
    value = record.get(key)
    if isinstance(value, str):
        return {value}
    if isinstance(value, (list, tuple)):
        return {v for v in value if isinstance(v, str)}
    return set()


def _action_owner(loaded: LoadedBoard | None, action_id: str) -> str | None:
    if loaded is None:
        return None
    for action in loaded.board.actions:
        if action.id == action_id:
            return action.owner
    return None


def _only_changed(before: Mapping[str, Any], after: Mapping[str, Any], key: str) -> bool:
    """Whether ``before`` and ``after`` differ in nothing but ``key``."""
    keys = (set(before) | set(after)) - {key}
    return all(before.get(k) == after.get(k) for k in keys)


def _returns_by_partner(record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in record.get("returns") or ():
        if isinstance(item, Mapping):
            out.setdefault(str(item.get("partner")), []).append(item)
    return out


def can_change(
    who: Account,
    collection: str,
    record: Mapping[str, Any],
    loaded: LoadedBoard | None = None,
    *,
    before: Mapping[str, Any] | None = None,
) -> bool:
    """Whether ``who`` may write ``record`` (the record as it would be written, a dict as the
    register keeps it) into ``collection``. ``before`` is the record as it is now (None for a
    new record, or to ask whether an edit page should be offered at all).

    - admin (board administrator): anything.
    - reader: nothing.
    - editor of partner P: only what P owns, before and after the change:
      actions whose ``owner`` is P; evidence whose ``source`` is P, or with no source that
      supports only actions owned by P; planned audits whose ``partner`` is P; measures whose
      ``owner`` is P (their values); in a Section 11 audit, only P's own return (nothing else of
      the audit changes); in a course P provides, only its training evaluations.
      A new record by an editor must be owned by P.
    """
    if who.disabled:
        return False
    if who.role == "admin":
        return True
    if who.role != "editor" or not who.partner:
        return False
    mine = who.partner

    def owned(item: Mapping[str, Any]) -> bool:
        if collection == "actions":
            return item.get("owner") == mine
        if collection == "evidence":
            if item.get("source"):
                return item.get("source") == mine
            supports = _owners(item, "supports")
            return bool(supports) and all(_action_owner(loaded, s) == mine for s in supports)
        if collection == "planned_audits":
            return item.get("partner") == mine
        if collection == "measures":
            return item.get("owner") == mine
        return False

    if collection in ("actions", "evidence", "planned_audits", "measures"):
        return owned(record) and (before is None or owned(before))
    if collection == "section11_audits":
        if before is None:
            # an edit page for the audit's own return: the audit exists; a new audit is the board's
            return bool(record.get("id")) and loaded is not None and _exists(loaded, collection, str(record["id"]))
        if not _only_changed(before, record, "returns"):
            return False
        old, new = _returns_by_partner(before), _returns_by_partner(record)
        return all(old.get(p) == new.get(p) for p in set(old) | set(new) if p != mine)
    if collection == "courses":
        if before is None:
            return (
                record.get("provider") == mine
                and loaded is not None
                and _exists(loaded, collection, str(record.get("id")))
            )
        return before.get("provider") == mine and _only_changed(before, record, "evaluations")
    return False


def _exists(loaded: LoadedBoard, collection: str, record_id: str) -> bool:
    return any(getattr(item, "id", None) == record_id for item in loaded.board.collection(collection))


# --------------------------------------------------------------------------- the board


class _BoardCache:
    """The last board this process loaded, reused while it is current: none of its files has
    changed (size, time, inode) and nobody has committed to its register since (SQLite's
    ``PRAGMA data_version``, seen across processes; another store's ``Register.last_change``);
    a write through :func:`register` forgets
    it at once. The check is made before loading, so a write during a load is seen next time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.Lock()
        #: Held by each write through :func:`register` (see :func:`_one_writer`), and the
        #: number of saves waiting for it (counted under ``lock_count``).
        self.write_lock = threading.Lock()
        self.lock_count = threading.Lock()
        self.waiting_saves = 0
        self.key: tuple[Any, ...] | None = None
        self.loaded: LoadedBoard | None = None
        self.problems: tuple[Problem, ...] = ()
        self._files: tuple[str, ...] = ("board.toml",)
        self._db: sqlite3.Connection | None = None
        self._db_inode = 0

    def fill(self, validation: Validation, host: Plugins, key: tuple[Any, ...] | None = None) -> None:
        assert validation.loaded is not None
        self.loaded = validation.loaded
        self.problems = validation.problems
        files = tuple(validation.loaded.files)
        if key is None or set(files) != set(self._files):
            self._files = files
            key = self.fingerprint(host)
        self.key = key

    def _data_version(self, host: Plugins) -> int | None:
        path = self.root / "register.sqlite"
        try:
            inode = path.stat().st_ino
        except OSError:
            return self._last_change(host)
        if self._db is not None and inode != self._db_inode:  # a new register (lif import) took its place
            self._db.close()
            self._db = None
        try:
            if self._db is None:
                self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
                self._db_inode = inode
            row = self._db.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            if self._db is not None:
                self._db.close()
            self._db = None
            return self._last_change(host)
        return int(row[0])

    def _last_change(self, host: Plugins) -> int | None:
        """Another store's register (PostgreSQL...): the seq of its latest change, which grows
        with every commit by any process (slower: the register is opened to ask)."""
        from lif_core import LifError

        try:
            with open_register(self.root, host, write=False) as reg:
                return int(reg.last_change())
        except (LifError, AttributeError):  # no register yet (its records still in the files)
            return None

    def fingerprint(self, host: Plugins) -> tuple[Any, ...]:
        root = self.root
        names = set(self._files) | {p.name for p in root.glob("register*")} | {p.name for p in root.glob("*.sqlite*")}
        names -= {"accounts.sqlite", "accounts.sqlite-wal", "accounts.sqlite-shm"}
        out = []
        for name in sorted(names):
            try:
                stat = (root / name).stat()
            except OSError:
                continue
            out.append((name, stat.st_mtime_ns, stat.st_size, stat.st_ino))
        return (tuple(out), self._data_version(host))

    def current(self, host: Plugins) -> tuple[LoadedBoard, tuple[Problem, ...]]:
        with self.lock:
            key = self.fingerprint(host)
            if self.loaded is None or key != self.key:
                self.fill(check_board(self.root, host), host, key)
            assert self.loaded is not None
            return self.loaded, self.problems

    def forget(self) -> None:
        with self.lock:
            self.key = None
            self.loaded = None


def _current(request: Request) -> tuple[LoadedBoard, tuple[Problem, ...]]:
    cached: tuple[LoadedBoard, tuple[Problem, ...]] | None = request.scope.get("lif.loaded")
    if cached is None:
        cache: _BoardCache = _state(request).board_cache
        cached = cache.current(plugins(request))
        request.scope["lif.loaded"] = cached
    return cached


def loaded_board(request: Request) -> LoadedBoard:
    """The board as it is now (its register's records included, ``.framework`` set), one per
    request; checked as ``lif reviews`` checks it: a board whose reviews break a methodology's
    rules still loads (:func:`board_problems` has those), one whose files cannot be read is an
    error page (400, with its problems)."""
    return _current(request)[0]


def board_problems(request: Request) -> tuple[Problem, ...]:
    """The errors and warnings the board's checks found (as ``lif validate`` lists them)."""
    return _current(request)[1]


@contextlib.contextmanager
def read_register(request: Request) -> Iterator[Any]:
    """The board's register, opened only to read it (history, versions), for any signed-in
    person."""
    account(request)
    with open_register(board_path(request), plugins(request), write=False) as reg:
        yield reg


def display_names(request: Request) -> dict[str, str]:
    """Each account's name -> the name shown for it (for the register's history: "who")."""
    return {who.name: who.display for who, _ in accounts(request).users()}


#: Seconds a save waits for the worker's other saves before it is refused (503, nothing written).
WRITE_WAIT = 30.0
#: Saves that may wait at once for the worker's other saves; one more is refused at once (503).
#: Each waits in a thread of the worker's pool (anyio's: 40 threads), so at most this many are
#: held by waiting saves and the pages, static files and sign-ins keep the rest.
MAX_WAITING_SAVES = 24

_BUSY = "The register is busy with other changes: nothing was changed. Send the form again in a moment."


@contextlib.contextmanager
def _one_writer(cache: _BoardCache) -> Iterator[None]:
    """One write at a time in this process, taken once the register is open (the board's
    structure read; opening a current register takes no write lock): its threads queue here in
    turn rather than in SQLite's busy handler, which sleeps and retries and can starve one
    writer past its timeout (other processes' writers still wait there). A save that waits
    longer than :data:`WRITE_WAIT`, or finds :data:`MAX_WAITING_SAVES` already waiting (another
    process holding the register for long, saves piling up behind it), is refused (503) rather
    than left holding a thread of the pool."""
    with cache.lock_count:
        if cache.waiting_saves >= MAX_WAITING_SAVES:
            raise HTTPException(503, _BUSY, headers={"Retry-After": "10"})
        cache.waiting_saves += 1
    try:
        acquired = cache.write_lock.acquire(timeout=WRITE_WAIT)
    finally:
        with cache.lock_count:
            cache.waiting_saves -= 1
    if not acquired:
        raise HTTPException(503, _BUSY, headers={"Retry-After": "10"})
    try:
        yield
    finally:
        cache.write_lock.release()


@contextlib.contextmanager
def register(request: Request) -> Iterator[Any]:
    """The board's register, opened to change it for the signed-in person (who its history
    names); readers are refused (403). Every write goes through it, checked as ``lif add``
    checks it; check :func:`can_change` first."""
    who = require(request, "admin", "editor")
    cache: _BoardCache = _state(request).board_cache
    try:
        with open_register(board_path(request), plugins(request), who=who.name) as reg, _one_writer(cache):
            yield reg
    finally:
        cache.forget()
        request.scope.pop("lif.loaded", None)


# --------------------------------------------------------------------------- pages


def nav(request: Request) -> list[dict[str, Any]]:
    """The navigation: label, path, and whether it is the current page."""
    here = request.url.path
    return [
        {"label": label, "url": url, "current": here == url or (url != "/" and here.startswith(url + "/"))}
        for label, url in NAV
    ]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page from ``template``. Its context always has: ``request``, ``account`` (None on the
    sign-in page), ``csrf_token`` (for every form: ``{{ csrf() }}`` from _macros.html),
    ``board_title``, ``nav`` and ``messages`` (kept by :func:`redirect`)."""
    current = ensure_session(request)
    messages = list(current.messages)
    if messages:
        accounts(request).take_messages(current.id)
        request.scope["lif.session"] = Session(id=current.id, csrf=current.csrf, account=current.account)
    values: dict[str, Any] = {
        "request": request,
        "account": current.account,
        "csrf_token": current.csrf,
        "board_title": _state(request).title,
        "nav": nav(request) if current.account is not None else [],
        "messages": messages,
    }
    values.update(context)
    html = templates().get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, message: str, title: str | None = None) -> HTMLResponse:
    """The page for an error (403, 404, 409, 413, 429, 500...): what went wrong, in words;
    never a traceback."""
    titles = {
        400: "The request could not be read",
        403: "Not allowed",
        404: "Not found",
        405: "Not allowed",
        409: "Changed by someone else",
        413: "Too large",
        429: "Too many attempts",
        500: "Something went wrong",
        503: "Busy: try again",
    }
    heading = title or titles.get(status, "Error")
    try:
        return render(request, "error.html", status=status, title=heading, message=message, status_code=status)
    except Exception:  # noqa: BLE001 - the error page itself must never fail into a traceback
        return HTMLResponse(
            f"<!doctype html><html lang=en><title>{status}</title><main><h1>{status}</h1></main></html>",
            status_code=status,
        )


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` where it is a path on this site (never another site: ``//host``, ``/\\host``,
    ``https://...``), else ``default``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target


def redirect(request: Request, url: str, message: str | None = None) -> RedirectResponse:
    """303 See Other to ``url`` (a path on this site), after a POST; ``message`` is shown on the
    next page."""
    current = session(request)
    if message and current is not None:
        accounts(request).flash(current.id, message)
    return RedirectResponse(safe_next(url), status_code=303)


def sign_in_url(next_url: str) -> str:
    return "/login" if next_url in ("", "/") else f"/login?next={quote(next_url, safe='/')}"


def form_data(request: Request) -> dict[str, str | list[str] | UploadFile]:
    """The submitted form (already read, and checked for its CSRF token, before the handler
    runs; the token is left out): each field's value, a list where a field came more than
    once, an :class:`UploadFile` for a file. Empty for a request without a form."""
    form: FormData | None = request.scope.get("lif.form")
    if form is None:
        return {}
    out: dict[str, str | list[str] | UploadFile] = {}
    for key in form:
        if key == "csrf_token":
            continue
        values = form.getlist(key)
        if len(values) == 1:
            out[key] = values[0]
        else:
            out[key] = [v for v in values if isinstance(v, str)]
    return out
