"""`lif remind`: what is due and overdue per owner, a dry run by default, and e-mail through a
real SMTP server (aiosmtpd, in this process, on a loopback port): plain to a local relay, and
STARTTLS with a login whose password comes only from LIF_SMTP_PASSWORD."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_web.remind import PASSWORD_VARIABLE, read_config, reminders

from lif_core import LoadedBoard, open_board
from lif_core.commands import open_register
from lif_core.testing import LifResult, LifRunner, make_plugins

aiosmtpd = pytest.importorskip("aiosmtpd", reason="aiosmtpd (lif-web's test extra) is not installed")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import SMTP as SMTPServer  # noqa: E402
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
CROYDON = ROOT / "examples" / "croydon"
DAY = "2019-03-01"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def runner() -> LifRunner:
    return LifRunner(make_plugins(), env={PASSWORD_VARIABLE: None})


@pytest.fixture
def board(tmp_path: Path) -> Path:
    folder = tmp_path / "croydon"
    shutil.copytree(CROYDON, folder, ignore=shutil.ignore_patterns("*.sqlite*", "attachments"))
    return folder


@pytest.fixture(scope="module")
def loaded() -> LoadedBoard:
    return open_board(CROYDON, make_plugins())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server received: each message, and each login tried."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def authenticate(
        self, server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=data.login == b"lscp" and data.password == PASSWORD.encode(), handled=False)


@pytest.fixture
def relay() -> Iterator[Mailbox]:
    """A plain SMTP relay on loopback (as a council's local relay on the same machine)."""
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate for the STARTTLS server")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Mailbox]:
    """An SMTP server that requires STARTTLS before anything, and a login over it."""
    box = Mailbox(port=_free_port())
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=box.port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=box.authenticate,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def _config(board: Path, text: str) -> None:
    (board / "reminders.toml").write_text(text, encoding="utf-8")


PLAIN = """
[smtp]
host = "127.0.0.1"
port = {port}
starttls = false
sender = "LSCP <lscp@example.org>"

[to]
met-police = "police.lead@example.org"
qapp = ["qapp.chair@example.org", "business.manager@example.org"]
"""


def _remind(runner: LifRunner, board: Path, *args: str) -> LifResult:
    return runner("remind", board, "--as-of", DAY, *args)


# --------------------------------------------------------------------------- what is due


def test_lif_web_adds_the_command(runner: LifRunner) -> None:
    result = runner("remind", "--help").assert_ok()
    assert "--send" in result.stdout and "--days" in result.stdout and "reminders.toml" in result.stdout


def test_dry_run_lists_each_owner_and_sends_nothing(runner: LifRunner, board: Path, relay: Mailbox) -> None:
    _config(board, PLAIN.format(port=relay.port))
    result = _remind(runner, board, "--days", "30").assert_ok()
    out = result.stdout
    assert (
        "Metropolitan Police Service, Croydon (met-police): 2 overdue, 0 due soon; to: police.lead@example.org" in out
    )
    assert "OVERDUE  2018-06-30  action a-child-f-1:" in out
    assert "planned audit pa-police-missing" in out
    assert "review clock rr-baby-m: Baby M (illustrative): rapid review" in out  # the commissioning group's
    assert "to: qapp.chair@example.org, business.manager@example.org" in out
    assert "Dry run: nothing sent (2 message(s) would be)" in out
    assert "no address in reminders.toml [to] for: Croydon Health Services NHS Trust" in out
    assert relay.messages == []


def test_completed_and_later_things_are_left_out(runner: LifRunner, board: Path, loaded: LoadedBoard) -> None:
    by_owner = reminders(loaded, dt.date(2019, 3, 1), 30)
    listed = {item.record for items in by_owner.values() for item in items}
    completed = {a.id for a in loaded.board.actions if a.status.value in ("completed", "cancelled")}
    assert completed and not listed & completed
    result = _remind(runner, board, "--days", "0").assert_ok()
    assert "due soon" in result.stdout and ", 0 due soon" in result.stdout


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.dates(dt.date(2017, 1, 1), dt.date(2021, 12, 31)), days=st.integers(0, 366))
def test_every_open_action_due_in_the_window_is_listed_once_under_its_owner(
    loaded: LoadedBoard, day: dt.date, days: int
) -> None:
    by_owner = reminders(loaded, day, days)
    horizon = day + dt.timedelta(days=days)
    for owner, items in by_owner.items():
        assert [i.due for i in items] == sorted(i.due for i in items)
        for item in items:
            assert item.owner == owner and item.due <= horizon and item.overdue == (item.due < day)
    actions = [(i.owner, i.record) for items in by_owner.values() for i in items if i.kind == "action"]
    expected = [
        (a.owner or "", a.id)
        for a in loaded.board.actions
        if a.due is not None and a.due <= horizon and a.status.value not in ("completed", "cancelled")
    ]
    assert sorted(actions) == sorted(expected)


# --------------------------------------------------------------------------- sending


def test_send_through_a_local_relay(runner: LifRunner, board: Path, relay: Mailbox) -> None:
    _config(board, PLAIN.format(port=relay.port))
    result = _remind(runner, board, "--days", "30", "--send")
    # owners without an address: the others are sent, then a clear error naming who was missed
    result.assert_error("no address in reminders.toml [to] for: Croydon Health Services NHS Trust")
    assert "Sent 2 message(s) through 127.0.0.1" in result.stdout
    assert sorted(relay.recipients) == [
        ["police.lead@example.org"],
        ["qapp.chair@example.org", "business.manager@example.org"],
    ]
    police = next(m for m in relay.messages if m["To"] == "police.lead@example.org")
    assert police["From"] == "LSCP <lscp@example.org>"
    assert police["Subject"] == (
        "Croydon Safeguarding Children Board: 2 overdue, 0 due soon (Metropolitan Police Service, Croydon)"
    )
    assert police["Auto-Submitted"] == "auto-generated"
    body = police.get_content()
    assert "as at 2019-03-01" in body and "action a-child-f-1" in body and "pa-police-missing" in body
    assert "a-audit-programme" not in body  # QAPP's, in QAPP's message
    qapp = next(m for m in relay.messages if m is not police)
    assert "a-audit-programme" in qapp.get_content()


def test_send_with_every_owner_addressed_succeeds(runner: LifRunner, board: Path, relay: Mailbox) -> None:
    _config(
        board,
        PLAIN.format(port=relay.port)
        + 'croydon-health-services = "health@example.org"\nlbc-childrens-services = "lbc@example.org"\n'
        + 'scr-subgroup = "scr@example.org"\n',
    )
    result = _remind(runner, board, "--days", "30", "--send").assert_ok()
    assert "Sent 5 message(s)" in result.stdout and len(relay.messages) == 5


def test_starttls_and_login_with_the_password_from_the_environment(
    board: Path, tls_server: Mailbox, certificate: tuple[Path, Path]
) -> None:
    shutil.copy(certificate[0], board / "ca.pem")
    _config(
        board,
        f'[smtp]\nhost = "127.0.0.1"\nport = {tls_server.port}\nuser = "lscp"\nsender = "lscp@example.org"\n'
        'cafile = "ca.pem"\n\n[to]\nmet-police = "police.lead@example.org"\n',
    )
    plugins = make_plugins()
    missing = LifRunner(plugins, env={PASSWORD_VARIABLE: None})("remind", board, "--as-of", DAY, "--send")
    missing.assert_error(f"put its password in the environment variable {PASSWORD_VARIABLE}")
    assert tls_server.logins == [] and tls_server.messages == []

    wrong = LifRunner(plugins, env={PASSWORD_VARIABLE: "not it"})("remind", board, "--as-of", DAY, "--send")
    wrong.assert_error(f"refused the user 'lscp' and the password in {PASSWORD_VARIABLE}")
    assert "not it" not in wrong.stdout + wrong.stderr
    assert tls_server.messages == []

    sent = LifRunner(plugins, env={PASSWORD_VARIABLE: PASSWORD})("remind", board, "--as-of", DAY, "--send")
    assert "Sent 1 message(s)" in sent.stdout  # other owners have no address: an error after sending
    assert tls_server.logins[-1] == ("lscp", PASSWORD)
    assert [m["To"] for m in tls_server.messages] == ["police.lead@example.org"]


def test_an_untrusted_certificate_is_refused(board: Path, tls_server: Mailbox) -> None:
    _config(
        board,
        f'[smtp]\nhost = "127.0.0.1"\nport = {tls_server.port}\nuser = "lscp"\nsender = "lscp@example.org"\n'
        '[to]\nmet-police = "police.lead@example.org"\n',
    )
    result = LifRunner(make_plugins(), env={PASSWORD_VARIABLE: PASSWORD})("remind", board, "--as-of", DAY, "--send")
    result.assert_error("TLS failed")
    assert tls_server.logins == [] and tls_server.messages == []


def test_no_server_listening_is_a_clear_error(runner: LifRunner, board: Path) -> None:
    _config(board, PLAIN.format(port=_free_port()))
    _remind(runner, board, "--send").assert_error("the SMTP server 127.0.0.1:")


def test_send_without_a_server_configured(runner: LifRunner, board: Path) -> None:
    _config(board, '[to]\nmet-police = "police.lead@example.org"\n')
    _remind(runner, board, "--send").assert_error("reminders.toml: no [smtp] table: nothing sent")


# --------------------------------------------------------------------------- reminders.toml


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[smtp\n", "reminders.toml: Expected ']'"),
        ('[smtp]\nhost = "h"\nsender = "a@b.org"\nport = 0\n', "smtp.port: must be a whole number from 1 to 65535"),
        ('[smtp]\nhost = "h"\nsender = "a@b.org"\ntls = true\n', "smtp.tls: unknown key"),
        ('[smtp]\nhost = "h"\n', "smtp.sender: missing"),
        ('[smtp]\nhost = "h"\nsender = "nobody"\n', "smtp.sender: 'nobody' is not an e-mail address"),
        ('[smtp]\nhost = "h"\nsender = "a@b.org"\nuser = "u"\nstarttls = false\n', "smtp.starttls: must be true"),
        ('[to]\nmet-police = "a@b.org\\nBcc: x@y.org"\n', "to.met-police: one address per entry"),
        ('[to]\nmet-police = ["a@b.org", 3]\n', "to.met-police[1]: must be an e-mail address"),
        ('[to]\nnobody-here = "a@b.org"\n', "to.nobody-here: no partner or group of the board has this id"),
        ("[cc]\n", "cc: unknown key"),
    ],
)
def test_bad_settings_are_named_by_file_and_key(runner: LifRunner, board: Path, text: str, message: str) -> None:
    _config(board, text)
    result = _remind(runner, board)
    result.assert_error(message)
    assert "reminders.toml" in result.error


@given(text=st.text(max_size=200))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_reminders_file_reads_or_is_refused_cleanly(tmp_path: Path, text: str) -> None:
    from lif_core import LifError

    (tmp_path / "reminders.toml").write_text(text, encoding="utf-8")
    try:
        read_config(tmp_path)
    except LifError as exc:
        assert str(exc).startswith(str(tmp_path / "reminders.toml"))


def test_password_is_never_read_from_the_file(runner: LifRunner, board: Path) -> None:
    _config(board, '[smtp]\nhost = "h"\nsender = "a@b.org"\npassword = "x"\n')
    _remind(runner, board).assert_error("smtp.password: unknown key")


def test_reads_the_register_as_it_is_now(runner: LifRunner, board: Path) -> None:
    """Once the register is in its store, what lif serve (or lif status) changed counts."""
    runner("import", board).assert_ok()
    assert "a-child-f-1" in _remind(runner, board).assert_ok().stdout
    with open_register(board, runner.plugins, who="ada") as register:
        register.set_status("a-child-f-1", "completed", day=dt.date(2019, 2, 20), note="rolled out")
    out = _remind(runner, board).assert_ok().stdout
    assert "a-child-f-1" not in out and "pa-police-missing" in out


def test_record_text_cannot_drive_the_terminal() -> None:
    """The model refuses control characters in text; the reminder's line keeps them out anyway
    (a store plugin's records, an older register)."""
    from lif_web.remind import _one_line

    line = _one_line("Pilot \x1b[2J\x1b]0;owned\x07 notification\r\nnext line\x9b31m")
    assert line == "Pilot notification next line"
    assert _one_line("x" * 200).endswith("…") and len(_one_line("x" * 200)) == 160


EXAMPLES = ["examples/croydon", "examples/wt2023-partnership", "examples/wales-regional", "docs/examples/riverside"]


@pytest.mark.parametrize("example", EXAMPLES)
@pytest.mark.parametrize("day", ["2019-03-31", "2025-06-30", "2026-12-03"])
def test_what_is_overdue_is_what_lif_overdue_says(runner: LifRunner, example: str, day: str) -> None:
    """Each overdue action, review clock and publication `lif overdue` lists is in the
    reminders, once, marked overdue; and nothing else of those kinds is (planned audits are the
    reminders' own addition)."""
    listed = runner("overdue", ROOT / example, "--as-of", day).assert_ok().stdout.splitlines()[1:]
    expected = sorted(
        ("action", line.split()[1].rstrip(":"))
        if line.split()[0] == "action"
        else ("review clock", line.split()[1].rstrip(":"))
        if line.split()[0] == "review"
        else ("publication", "")
        for line in listed
    )
    loaded = open_board(ROOT / example, runner.plugins)
    items = [i for items in reminders(loaded, dt.date.fromisoformat(day), 0).values() for i in items]
    got = sorted(
        (i.kind, "" if i.kind == "publication" else i.record) for i in items if i.overdue and i.kind != "planned audit"
    )
    assert got == expected
