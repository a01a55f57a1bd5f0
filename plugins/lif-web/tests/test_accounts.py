"""`lif users` (through lif's own runner) and the accounts file: argon2id hashes only, passwords
never printed or stored in clear, the password rules, and `lif serve` refusing a board with no
administrator."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from conftest import CROYDON, PASSWORDS
from lif_web.accounts import ACCOUNTS_FILE, AccountError, Accounts, check_password

from lif_core.testing import LifRunner

NEW = "a fresh and long passphrase"


@pytest.fixture
def board(tmp_path: Path, lif_runner: LifRunner) -> Path:
    """Croydon without accounts (its register imported)."""
    folder = tmp_path / "croydon"
    shutil.copytree(CROYDON, folder)
    lif_runner("import", folder).assert_ok()
    return folder


def _file_bytes(board: Path) -> bytes:
    return b"".join(p.read_bytes() for p in board.glob(ACCOUNTS_FILE + "*"))


def test_add_with_password_from_stdin(board: Path, lif_runner: LifRunner) -> None:
    result = lif_runner(
        "users",
        "add",
        board,
        "ada",
        "--role",
        "admin",
        "--display",
        "Ada Lovelace",
        "--password-stdin",
        input=NEW + "\n",
    )
    result.assert_ok()
    assert "Added ada (board administrator)" in result.stdout
    assert NEW not in result.stdout + result.stderr
    listing = lif_runner("users", "list", board).assert_ok().stdout
    assert "ada  admin" in listing and "Ada Lovelace" in listing
    assert NEW not in listing
    accounts = Accounts(board)
    assert accounts.verify("ada", NEW) is not None
    assert accounts.verify("ada", NEW + "x") is None
    stored = _file_bytes(board)
    assert NEW.encode() not in stored
    assert b"$argon2id$" in stored


def test_add_prompts_twice(board: Path, lif_runner: LifRunner) -> None:
    result = lif_runner(
        "users", "add", board, "ed", "--role", "editor", "--agency", "met-police", input=f"{NEW}\n{NEW}\n"
    )
    result.assert_ok()
    assert NEW not in result.stdout + result.stderr
    who = Accounts(board).verify("ed", NEW)
    assert who is not None and who.role == "editor" and who.partner == "met-police"


def test_prompted_passwords_that_differ_add_nothing(board: Path, lif_runner: LifRunner) -> None:
    result = lif_runner("users", "add", board, "ed", "--role", "reader", input=f"{NEW}\n{NEW}!\n")
    assert not result.ok
    assert NEW not in result.stdout + result.stderr
    assert Accounts(board).get("ed") is None


@pytest.mark.parametrize(
    ("name", "password", "why"),
    [
        ("ada", "short pass", "too short: at least 12 characters"),
        ("margaret", "MARGARET", "too short"),
        ("margaret", "margaret-and-more", "must not be, or contain, the user name"),
        ("ada", "  padded passphrase  ", "must not begin or end with spaces"),
    ],
)
def test_weak_passwords_are_refused_without_being_repeated(
    board: Path, lif_runner: LifRunner, name: str, password: str, why: str
) -> None:
    result = lif_runner("users", "add", board, name, "--role", "admin", "--password-stdin", input=password + "\n")
    result.assert_error(why)
    assert "nothing was changed" in result.stderr
    assert password.strip() not in result.stdout + result.stderr
    assert not Accounts(board).exists() or Accounts(board).get(name) is None


def test_password_rules() -> None:
    check_password("ada", "twelve chars")
    with pytest.raises(AccountError, match="too short"):
        check_password("ada", "eleven char")
    with pytest.raises(AccountError, match="user name"):
        check_password("bobbybobbybob", "BobbyBobbyBob")
    with pytest.raises(AccountError, match="user name"):
        check_password("alice", "I am Alice, and long")


def test_editor_needs_a_real_agency(board: Path, lif_runner: LifRunner) -> None:
    lif_runner("users", "add", board, "ed", "--role", "editor", "--password-stdin", input=NEW + "\n").assert_error(
        "an editor needs --agency PARTNER", exit_code=2
    )
    result = lif_runner(
        "users", "add", board, "ed", "--role", "editor", "--agency", "nobody", "--password-stdin", input=NEW + "\n"
    )
    result.assert_error("no partner with id 'nobody'")
    assert "met-police" in result.stderr
    assert not Accounts(board).exists() or Accounts(board).get("ed") is None


def test_names_are_checked_and_unique(board: Path, lif_runner: LifRunner) -> None:
    lif_runner("users", "add", board, "bad name", "--role", "admin", "--password-stdin", input=NEW + "\n").assert_error(
        "a user name is 1 to 64 letters"
    )
    lif_runner("users", "add", board, "ada", "--role", "admin", "--password-stdin", input=NEW + "\n").assert_ok()
    lif_runner("users", "add", board, "ada", "--role", "reader", "--password-stdin", input=NEW + "\n").assert_error(
        "there is already an account with this name"
    )
    assert Accounts(board).get("ada").role == "admin"  # type: ignore[union-attr]


def test_accounts_file_is_private(board: Path, lif_runner: LifRunner) -> None:
    lif_runner("users", "add", board, "ada", "--role", "admin", "--password-stdin", input=NEW + "\n").assert_ok()
    mode = stat.S_IMODE((board / ACCOUNTS_FILE).stat().st_mode)
    assert mode == 0o600


def _add_ada(board: Path, lif_runner: LifRunner, name: str = "ada") -> str:
    result = lif_runner("users", "add", board, name, "--role", "admin", "--password-stdin", input=NEW + "\n")
    return result.assert_ok().stdout + result.stderr


def test_the_accounts_are_kept_out_of_version_control(board: Path, lif_runner: LifRunner) -> None:
    """`lif users add` makes the board's .gitignore with accounts.sqlite* (and its -wal, -shm),
    says so, and adds nothing more the next time."""
    assert not (board / ".gitignore").exists()
    said = _add_ada(board, lif_runner)
    assert f"made {board / '.gitignore'} with accounts.sqlite* in it" in said
    assert "accounts.sqlite*" in (board / ".gitignore").read_text().splitlines()
    before = (board / ".gitignore").read_text()
    assert ".gitignore" not in _add_ada(board, lif_runner, "bob")
    assert (board / ".gitignore").read_text() == before


@pytest.mark.parametrize(
    ("existing", "added"),
    [
        ("*.pdf\nout/", True),  # no newline at the end: one is added before the new lines
        ("*.pdf\n", True),
        ("/accounts.sqlite*\n", False),
        ("*.sqlite*\n", False),
        ("accounts.sqlite\n", True),  # would leave accounts.sqlite-wal and -shm out: they hold recent changes
        ("*\n!board.toml\n", True),  # a negation may bring the accounts back in: the line is added
    ],
)
def test_a_board_gitignore_is_added_to_only_where_needed(
    board: Path, lif_runner: LifRunner, existing: str, added: bool
) -> None:
    (board / ".gitignore").write_text(existing)
    said = _add_ada(board, lif_runner)
    text = (board / ".gitignore").read_text()
    if added:
        assert f"added accounts.sqlite* to {board / '.gitignore'}" in said
        assert text.startswith(existing) and text.splitlines()[len(existing.splitlines())].startswith("# lif-web")
        assert text.splitlines()[-1] == "accounts.sqlite*"
    else:
        assert ".gitignore" not in said and text == existing


def test_a_gitignore_that_is_not_a_regular_file_is_left_alone(board: Path, lif_runner: LifRunner) -> None:
    os.mkfifo(board / ".gitignore")  # reading it would wait for a writer for ever
    said = _add_ada(board, lif_runner)
    assert "is not a regular file, left alone: add `accounts.sqlite*`" in said
    assert Accounts(board).get("ada") is not None


def test_a_gitignore_that_is_a_link_is_left_alone(board: Path, lif_runner: LifRunner, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("*.pdf\n")
    (board / ".gitignore").symlink_to(elsewhere)
    said = _add_ada(board, lif_runner)
    assert "is a symbolic link, left alone: add `accounts.sqlite*`" in said
    assert elsewhere.read_text() == "*.pdf\n"
    assert Accounts(board).get("ada") is not None


def test_passwd_remove_disable(web_board: Path, lif_runner: LifRunner) -> None:
    accounts = Accounts(web_board)
    session = accounts.new_session("ed")
    assert accounts.session(session.id) is not None

    lif_runner("users", "passwd", web_board, "ed", "--password-stdin", input=NEW + "\n").assert_ok()
    assert accounts.verify("ed", PASSWORDS["ed"]) is None
    assert accounts.verify("ed", NEW) is not None
    assert accounts.session(session.id) is None  # a new password ends the account's sessions

    session = accounts.new_session("ed")
    lif_runner("users", "disable", web_board, "ed").assert_ok()
    assert accounts.session(session.id) is None
    assert accounts.verify("ed", NEW) is None
    assert "disabled" in lif_runner("users", "list", web_board).assert_ok().stdout
    lif_runner("users", "disable", web_board, "ed", "--enable").assert_ok()
    assert accounts.verify("ed", NEW) is not None

    lif_runner("users", "remove", web_board, "ed").assert_ok()
    assert accounts.get("ed") is None
    lif_runner("users", "remove", web_board, "ed").assert_error("no account with this name")
    lif_runner("users", "passwd", web_board, "nobody", "--password-stdin", input=NEW + "\n").assert_error(
        "no account with this name"
    )


def test_serve_refuses_a_board_without_an_administrator(board: Path, lif_runner: LifRunner) -> None:
    result = lif_runner("serve", board)
    result.assert_error("no board administrator account yet")
    assert f"lif users add {board} NAME --role admin" in result.stderr
    lif_runner("users", "add", board, "rita", "--role", "reader", "--password-stdin", input=NEW + "\n").assert_ok()
    lif_runner("serve", board).assert_error("no board administrator account yet")


def test_serve_checks_its_options(web_board: Path, lif_runner: LifRunner) -> None:
    lif_runner("serve", web_board, "--trusted-header", "X-Remote-User").assert_error(
        "needs --trusted-proxy", exit_code=2
    )
    lif_runner(
        "serve", web_board, "--trusted-header", "X-Remote-User", "--trusted-proxy", "proxy.example"
    ).assert_error("is not an IP address or network", exit_code=2)


def test_users_list_without_accounts(board: Path, lif_runner: LifRunner) -> None:
    assert "No accounts yet" in lif_runner("users", "list", board).assert_ok().stdout


def test_unknown_names_take_a_password_check_too(web_board: Path) -> None:
    accounts = Accounts(web_board)
    assert accounts.verify("nobody", "whatever it is here") is None
    assert accounts.verify("ada", PASSWORDS["ada"]) is not None
