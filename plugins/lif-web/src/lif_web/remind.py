"""``lif remind BOARD``: what falls due in the next days and what is overdue, per owner.

For every partner agency and group that owns something open: its actions (by their due date,
unless completed or cancelled), its planned single-agency audits, the clocks of the reviews it
commissioned (a review with no commissioning group: the board's own group) and the board's
recurring publications (the board's group). A dry run by default: it prints what would be sent,
and to whom. With ``--send`` it e-mails each owner through the SMTP server named in the board
folder's ``reminders.toml``::

    [smtp]
    host = "smtp.example.org"
    port = 587                 # default 587
    user = "lscp-reminders"    # optional; the password only from LIF_SMTP_PASSWORD
    sender = "LSCP business unit <lscp@example.org>"
    starttls = true            # default true; false only for a relay on this machine
    cafile = "council-ca.pem"  # optional: a CA to trust besides the system's

    [to]
    police = "safeguarding.lead@police.example"
    board = ["business.manager@example.org", "chair@example.org"]

The addresses live beside board.toml, not in it: boards publish their board.toml. The password
is never read from a file.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

try:  # lif-core's own choice: tomli where installed (Python 3.10), else the standard library's
    import tomli as tomllib
except ImportError:  # pragma: no cover
    import tomllib  # type: ignore[no-redef]

from lif_core import (
    ActionStatus,
    Board,
    GroupKind,
    LifError,
    LoadedBoard,
    open_board,
    publications_due,
    review_clocks,
    terminal_safe,
)
from lif_core.commands import as_of_option, current_plugins

if TYPE_CHECKING:
    from email.message import EmailMessage

__all__ = [
    "CONFIG_FILE",
    "PASSWORD_VARIABLE",
    "Item",
    "ReminderConfig",
    "Smtp",
    "build_messages",
    "read_config",
    "register_remind",
    "reminders",
    "send",
]

#: The file in the board folder naming the SMTP server and each owner's address.
CONFIG_FILE = "reminders.toml"
#: The environment variable holding the SMTP password (never a file).
PASSWORD_VARIABLE = "LIF_SMTP_PASSWORD"
#: The owner key of items nobody owns.
NOBODY = ""

_OPEN_AUDITS = ("planned", "in-progress")


@dataclass(frozen=True)
class Item:
    """One thing falling due or overdue.

    Attributes:
        owner: the partner or group id that owns it (``""``: nobody).
        kind: ``action``, ``planned audit``, ``review clock`` or ``publication``.
        record: the record's id (the review's, for a clock).
        what: what it is, in words.
        due: when it is (or was) due.
        overdue: due before the day judged at.
    """

    owner: str
    kind: str
    record: str
    what: str
    due: dt.date
    overdue: bool

    def line(self) -> str:
        state = "OVERDUE" if self.overdue else "due"
        return f"{state:7}  {self.due.isoformat()}  {self.kind} {self.record}: {self.what}"


# --------------------------------------------------------------------------- what is due


def _board_group(board: Board) -> str:
    for group in board.groups:
        if group.kind is GroupKind.BOARD:
            return group.id
    return NOBODY


def _one_line(text: str, limit: int = 160) -> str:
    """A record's text on one line, safe in a terminal and a mail (no escape sequences or
    other control characters), shortened to ``limit``."""
    flat = " ".join(terminal_safe(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def reminders(loaded: LoadedBoard, today: dt.date, days: int) -> dict[str, list[Item]]:
    """What is overdue as at ``today`` or falls due within ``days`` days after it, by owner
    (``""`` for nothing owned), each owner's items by due date; owners in id order."""
    board = loaded.board
    horizon = today + dt.timedelta(days=days)
    items: list[Item] = []

    def add(owner: str | None, kind: str, record: str, what: str, due: dt.date | None) -> None:
        if due is not None and due <= horizon:
            items.append(Item(owner or NOBODY, kind, record, _one_line(what), due, due < today))

    for action in board.actions:
        if action.status not in (ActionStatus.COMPLETED, ActionStatus.CANCELLED):
            add(action.owner, "action", action.id, f"{action.text} ({action.status.value})", action.due)
    for planned in board.planned_audits:
        if planned.status.value in _OPEN_AUDITS:
            add(planned.partner, "planned audit", planned.id, planned.topic, planned.due)
    board_group = _board_group(board)
    for review in board.reviews:
        for clock in review_clocks(review, board, today, loaded.framework):
            if clock.done is None:
                add(
                    review.commissioned_by or board_group,
                    "review clock",
                    review.id,
                    f"{review.title}: {clock.name}",
                    clock.due,
                )
    for publication in publications_due(board, loaded.framework, today):
        if publication.published is None and publication.due is not None:
            add(
                board_group,
                "publication",
                publication.record.id if publication.record else publication.kind,
                f"{publication.title} {publication.period}",
                publication.due,
            )
    by_owner: dict[str, list[Item]] = {}
    for item in sorted(items, key=lambda i: (i.owner, i.due, i.kind, i.record)):
        by_owner.setdefault(item.owner, []).append(item)
    return by_owner


# --------------------------------------------------------------------------- reminders.toml


@dataclass(frozen=True)
class Smtp:
    """Where reminders are sent from (``[smtp]`` in reminders.toml)."""

    host: str
    sender: str
    port: int = 587
    user: str = ""
    starttls: bool = True
    cafile: Path | None = None


@dataclass(frozen=True)
class ReminderConfig:
    """reminders.toml: the SMTP server (absent: nothing can be sent) and owners' addresses."""

    smtp: Smtp | None = None
    to: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _address(value: object, where: str) -> str:
    import email.utils  # here, not at every lif command's start

    if not isinstance(value, str) or not value.strip():
        raise LifError(f"{where}: must be an e-mail address (text), not {value!r}")
    if any(c in value for c in "\r\n,;"):
        raise LifError(f"{where}: one address per entry, on one line: {value!r}")
    _name, address = email.utils.parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise LifError(f"{where}: {value!r} is not an e-mail address (name@example.org)")
    return value.strip()


def _keys(table: dict[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise LifError(f"{where}.{key}: unknown key; allowed keys here are: {', '.join(allowed)}")


def read_config(board_folder: Path, loaded: LoadedBoard | None = None) -> ReminderConfig:
    """Read ``reminders.toml`` in ``board_folder`` (none: no server, no addresses). Every
    error names the file and the key. With ``loaded``, each ``[to]`` key must be a partner or
    group of the board."""
    path = board_folder / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ReminderConfig()
    except OSError as exc:
        raise LifError(f"{path}: cannot read it: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise LifError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise LifError(f"{path}: {exc}") from None
    _keys(data, ("smtp", "to"), str(path) + ":")
    smtp = None
    if "smtp" in data:
        table = data["smtp"]
        where = f"{path}: smtp"
        if not isinstance(table, dict):
            raise LifError(f"{where}: must be a table ([smtp])")
        _keys(table, ("host", "port", "user", "sender", "starttls", "cafile"), where)
        host = table.get("host")
        if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host.strip()):
            raise LifError(f"{where}.host: must be the SMTP server's name, not {host!r}")
        port = table.get("port", 587)
        if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
            raise LifError(f"{where}.port: must be a whole number from 1 to 65535, not {port!r}")
        user = table.get("user", "")
        if not isinstance(user, str):
            raise LifError(f"{where}.user: must be text, not {user!r}")
        starttls = table.get("starttls", True)
        if not isinstance(starttls, bool):
            raise LifError(f"{where}.starttls: must be true or false, not {starttls!r}")
        if user and not starttls:
            raise LifError(f"{where}.starttls: must be true when smtp.user is set (the password would go in clear)")
        if "sender" not in table:
            raise LifError(f"{where}.sender: missing: the address reminders come from")
        sender = _address(table["sender"], f"{where}.sender")
        cafile = table.get("cafile")
        if cafile is not None and (not isinstance(cafile, str) or not cafile):
            raise LifError(f"{where}.cafile: must be a file name, not {cafile!r}")
        smtp = Smtp(
            host=host.strip(),
            port=port,
            user=user,
            sender=sender,
            starttls=starttls,
            cafile=board_folder / cafile if cafile else None,
        )
    to: dict[str, tuple[str, ...]] = {}
    if "to" in data:
        table = data["to"]
        if not isinstance(table, dict):
            raise LifError(f"{path}: to: must be a table ([to]) of owner id = address")
        owners = None
        if loaded is not None:
            owners = {p.id for p in loaded.board.partners} | {g.id for g in loaded.board.groups}
        for owner, value in table.items():
            where = f"{path}: to.{owner}"
            if owners is not None and owner not in owners:
                raise LifError(f"{where}: no partner or group of the board has this id")
            values = value if isinstance(value, list) else [value]
            if not values:
                raise LifError(f"{where}: give at least one address")
            to[owner] = tuple(
                _address(v, f"{where}[{i}]" if isinstance(value, list) else where) for i, v in enumerate(values)
            )
    return ReminderConfig(smtp, to)


# --------------------------------------------------------------------------- messages


def _owner_names(board: Board) -> dict[str, str]:
    names = {p.id: p.name for p in board.partners}
    names.update({g.id: g.name for g in board.groups})
    return names


def _summary(items: Iterable[Item]) -> str:
    listed = list(items)
    overdue = sum(1 for i in listed if i.overdue)
    return f"{overdue} overdue, {len(listed) - overdue} due soon"


def build_messages(
    loaded: LoadedBoard, by_owner: dict[str, list[Item]], config: ReminderConfig, today: dt.date, days: int
) -> tuple[list[tuple[str, EmailMessage]], list[str]]:
    """One message per owner with an address (owner id, message), and the owners with items
    but no address (``""`` for items nobody owns)."""
    import email.utils  # here, not at every lif command's start
    from email.message import EmailMessage  # here, not at every lif command's start

    board = loaded.board
    names = _owner_names(board)
    sender = config.smtp.sender if config.smtp else "lif <lif@localhost>"
    messages: list[tuple[str, EmailMessage]] = []
    unaddressed: list[str] = []
    for owner, items in by_owner.items():
        addresses = config.to.get(owner) if owner else None
        if not addresses:
            unaddressed.append(owner)
            continue
        message = EmailMessage()
        message["From"] = sender
        message["To"] = ", ".join(addresses)
        message["Subject"] = f"{board.board.name}: {_summary(items)} ({names.get(owner, owner)})"
        message["Date"] = email.utils.formatdate(localtime=True)
        message["Message-ID"] = email.utils.make_msgid(domain=_domain(sender))
        message["Auto-Submitted"] = "auto-generated"
        body = [
            f"For {names.get(owner, owner)}, from {board.board.name}'s learning register,",
            f"as at {today.isoformat()}: what is overdue and what falls due in the next {days} days.",
            "",
            *(item.line() for item in items),
            "",
            "Please update the register when each is done (lif serve, or the lif command).",
        ]
        message.set_content("\n".join(body) + "\n")
        messages.append((owner, message))
    return messages, unaddressed


def _domain(sender: str) -> str:
    import email.utils  # here, not at every lif command's start

    address = email.utils.parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def send(smtp: Smtp, messages: Sequence[EmailMessage], password: str | None) -> None:
    """Send ``messages`` through ``smtp`` on one connection: STARTTLS (certificate checked)
    unless turned off, then login where a user is set."""
    import smtplib  # here, not at every lif command's start
    import ssl  # here, not at every lif command's start

    if smtp.user and not password:
        raise LifError(
            f"{CONFIG_FILE}: smtp.user is set: put its password in the environment variable {PASSWORD_VARIABLE}"
        )
    where = f"the SMTP server {smtp.host}:{smtp.port}"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
            client.ehlo()
            if smtp.starttls:
                context = ssl.create_default_context(cafile=str(smtp.cafile) if smtp.cafile else None)
                client.starttls(context=context)
                client.ehlo()
            if smtp.user:
                assert password is not None
                client.login(smtp.user, password)
            for message in messages:
                client.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise LifError(f"{where} refused the user {smtp.user!r} and the password in {PASSWORD_VARIABLE}") from None
    except smtplib.SMTPNotSupportedError:
        raise LifError(
            f"{where} does not offer STARTTLS: not sending (set smtp.starttls = false only for a relay on this machine)"
        ) from None
    except ssl.SSLError as exc:
        raise LifError(f"{where}: TLS failed: {exc.reason or exc}") from None
    except smtplib.SMTPException as exc:
        raise LifError(f"{where}: {exc}") from None
    except OSError as exc:
        raise LifError(f"{where}: cannot connect: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- the command


def register_remind(cli: click.Group) -> None:
    """Add ``lif remind`` to ``cli``."""

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.option("--days", type=click.IntRange(0, 366), default=14, show_default=True, help="How far ahead to look.")
    @as_of_option
    @click.option(
        "--send", "send_mail", is_flag=True, help=f"E-mail each owner (SMTP server and addresses in {CONFIG_FILE})."
    )
    def remind(board: Path, days: int, as_of: dt.datetime | None, send_mail: bool) -> None:
        """What falls due in the next DAYS days, and what is overdue, for each owner.

        Actions, planned audits, review clocks and the board's publications, grouped by the
        partner or group that owns them. A dry run by default: prints what would be sent and
        to whom. With --send, e-mails each owner through the SMTP server in the board folder's
        reminders.toml (password from the LIF_SMTP_PASSWORD environment variable, STARTTLS).
        Judged as at today unless --as-of says otherwise.
        """
        loaded = open_board(board, current_plugins())
        today = as_of.date() if as_of is not None else dt.date.today()
        folder = board if board.is_dir() else board.parent
        config = read_config(folder, loaded)
        by_owner = reminders(loaded, today, days)
        messages, unaddressed = build_messages(loaded, by_owner, config, today, days)
        names = _owner_names(loaded.board)
        click.echo(f"{loaded.board.board.name}: as at {today.isoformat()}, overdue and due in the next {days} days")
        if not by_owner:
            click.echo("Nothing is overdue or falls due.")
            return
        for owner, items in by_owner.items():
            name = f"{names.get(owner, owner)} ({owner})" if owner else "No owner"
            addresses = config.to.get(owner) if owner else None
            to = ", ".join(addresses) if addresses else "no address"
            click.echo(f"\n{name}: {_summary(items)}; to: {to}")
            for item in items:
                click.echo(f"  {item.line()}")
        click.echo("")
        if not send_mail:
            click.echo(f"Dry run: nothing sent ({len(messages)} message(s) would be). Add --send to e-mail them.")
        elif messages:
            if config.smtp is None:
                raise LifError(f"{folder / CONFIG_FILE}: no [smtp] table: nothing sent (see lif remind --help)")
            send(config.smtp, [m for _, m in messages], os.environ.get(PASSWORD_VARIABLE))
            click.echo(f"Sent {len(messages)} message(s) through {config.smtp.host}:{config.smtp.port}.")
        if unaddressed:
            who = ", ".join(f"{names.get(o, o)} ({o})" if o else "items with no owner" for o in unaddressed)
            message = f"no address in {CONFIG_FILE} [to] for: {who}"
            if send_mail:
                raise LifError(f"{message}: not sent to them")
            click.echo(f"Note: {message}.")
