"""lif-web's commands: ``lif serve BOARD`` (the web interface) and ``lif users ...`` (its
accounts); ``lif remind`` comes from :mod:`lif_web.remind`."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import click

from lif_core import LifError, hookimpl

__all__ = ["register_commands"]

BOARD = click.argument("board", type=click.Path(path_type=Path))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _accounts(board: Path):  # type: ignore[no-untyped-def]
    from .accounts import Accounts
    from .web import board_folder

    return Accounts(board_folder(board))


def _partners(board: Path) -> set[str]:
    from lif_core import load_board

    from .web import board_folder

    loaded = load_board(board_folder(board))
    return {p.id for p in loaded.board.partners}


def _read_password(name: str, from_stdin: bool) -> str:
    from .accounts import AccountError, check_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True)
    try:
        check_password(name, password)
    except AccountError as exc:
        raise LifError(f"{exc}; nothing was changed") from None
    return password


def _account_error(exc: Exception) -> LifError:
    return LifError(f"{exc}; nothing was changed")


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command()
    @BOARD
    @click.option(
        "--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this machine only)."
    )
    @click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
    @click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Server processes.")
    @click.option(
        "--certfile",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="TLS certificate (PEM): serve HTTPS.",
    )
    @click.option(
        "--keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="TLS private key (PEM)."
    )
    @click.option(
        "--secure-cookies/--no-secure-cookies",
        default=True,
        show_default=True,
        help="Mark the session cookie Secure: browsers keep it from https:// and from http://127.0.0.1 or "
        "localhost only. --no-secure-cookies is for scripts speaking plain HTTP, never for people.",
    )
    @click.option(
        "--trusted-header",
        metavar="HEADER",
        help="Single sign-on: the header a reverse proxy sets to the signed-in user's name "
        "(e.g. X-Remote-User). Off by default.",
    )
    @click.option(
        "--trusted-proxy",
        "trusted_proxies",
        multiple=True,
        metavar="ADDRESS",
        help="Address (or network) of the reverse proxy whose --trusted-header and X-Forwarded-* "
        "headers are believed; repeatable.",
    )
    @click.option(
        "--max-upload", default=10, show_default=True, type=click.IntRange(1, 1024), help="Largest attachment, in MiB."
    )
    def serve(
        board: Path,
        host: str,
        port: int,
        workers: int,
        certfile: Path | None,
        keyfile: Path | None,
        secure_cookies: bool,
        trusted_header: str | None,
        trusted_proxies: tuple[str, ...],
        max_upload: int,
    ) -> None:
        """Serve BOARD's web interface: dashboard, records, forms, reports, for signed-in users
        (`lif users add`). Listens on 127.0.0.1 (this machine only) unless --host says otherwise."""
        import uvicorn

        from lif_core.commands import current_plugins

        from .app import BOARD_VARIABLE, CONFIG_VARIABLE, create_app
        from .config import MIB, WebConfig

        if (certfile is None) != (keyfile is None):
            raise click.UsageError("--certfile and --keyfile go together")
        if trusted_header and not trusted_proxies:
            raise click.UsageError("--trusted-header needs --trusted-proxy ADDRESS: the proxy it is believed from")
        for proxy in trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise click.BadParameter(
                    f"{proxy!r} is not an IP address or network", param_hint="--trusted-proxy"
                ) from None
        store = _accounts(board)
        if not store.has_admin():
            raise LifError(
                f"{board}: no board administrator account yet: add one first with "
                f"`lif users add {board} NAME --role admin`"
            )
        config = WebConfig(
            host=host,
            port=port,
            workers=workers,
            certfile=certfile,
            keyfile=keyfile,
            secure_cookies=secure_cookies,
            trusted_header=trusted_header,
            trusted_proxies=tuple(trusted_proxies),
            max_upload=max_upload * MIB,
        )
        app = create_app(board, config, current_plugins())  # the board is checked now, before listening
        scheme = "https" if certfile else "http"
        if not _loopback(host) and certfile is None:
            cookies = (
                " Browsers on other machines will not keep the (Secure) session cookie over plain HTTP, so "
                "they cannot sign in unless a reverse proxy in front serves HTTPS."
                if secure_cookies
                else ""
            )
            click.secho(
                f"Warning: listening on {host} without TLS: passwords and session cookies would cross the "
                "network unencrypted. Use --certfile and --keyfile, or keep 127.0.0.1 behind a reverse "
                f"proxy that serves HTTPS.{cookies}",
                fg="yellow",
                err=True,
            )
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"Serving {board} at {scheme}://{shown}:{port}/ (Ctrl+C to stop)", err=True)
        options = {
            "host": host,
            "port": port,
            "proxy_headers": False,  # X-Forwarded-* are read by lif-web, from --trusted-proxy only
            "server_header": False,
            "log_level": "info",
            "ssl_certfile": str(certfile) if certfile else None,
            "ssl_keyfile": str(keyfile) if keyfile else None,
        }
        if workers == 1:
            uvicorn.run(app, **options)  # type: ignore[arg-type]
        else:
            os.environ[BOARD_VARIABLE] = str(Path(board).resolve())
            os.environ[CONFIG_VARIABLE] = config.to_json()
            uvicorn.run("lif_web.app:app_from_environment", factory=True, workers=workers, **options)  # type: ignore[arg-type]

    @cli.group()
    def users() -> None:
        """The accounts that may sign in to `lif serve` (kept in the board folder's accounts.sqlite)."""

    @users.command("add")
    @BOARD
    @click.argument("name")
    @click.option(
        "--role",
        required=True,
        type=click.Choice(["admin", "editor", "reader"]),
        help="admin: changes anything; editor: only its agency's records; reader: changes nothing.",
    )
    @click.option("--agency", metavar="PARTNER", help="The partner (board id) an editor works for.")
    @click.option("--display", metavar="TEXT", help="The name shown on pages (default: NAME).")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
    @click.option("--no-password", is_flag=True, help="No password: the account signs in only through single sign-on.")
    def users_add(
        board: Path,
        name: str,
        role: str,
        agency: str | None,
        display: str | None,
        password_stdin: bool,
        no_password: bool,
    ) -> None:
        """Add an account NAME to BOARD (asks for its password twice)."""
        from .accounts import AccountError, check_name, keep_out_of_version_control

        try:
            check_name(name)
        except AccountError as exc:
            raise _account_error(exc) from None
        if no_password and password_stdin:
            raise click.UsageError("--no-password and --password-stdin do not go together")
        if role == "editor" and not agency:
            raise click.UsageError("an editor needs --agency PARTNER: the agency whose records it changes")
        if agency:
            partners = _partners(board)
            if agency not in partners:
                raise LifError(
                    f"{board}: no partner with id {agency!r} (the board's partners: "
                    f"{', '.join(sorted(partners))}); nothing was changed"
                )
        store = _accounts(board)
        if store.exists() and store.get(name) is not None:
            raise LifError(f"{name!r}: there is already an account with this name; nothing was changed")
        password = None if no_password else _read_password(name, password_stdin)
        try:
            added = store.add(name, password, role=role, partner=agency, display=display)
        except AccountError as exc:
            raise _account_error(exc) from None
        click.echo(f"Added {added.name} ({added.role_name}{', ' + added.partner if added.partner else ''}).")
        said = keep_out_of_version_control(store.path.parent)
        if said is not None:
            click.echo(said, err=said.startswith("warning"))

    @users.command("list")
    @BOARD
    def users_list(board: Path) -> None:
        """List BOARD's accounts."""
        store = _accounts(board)
        rows = store.users() if store.exists() else []
        if not rows:
            click.echo(f"No accounts yet: add one with `lif users add {board} NAME --role admin`.")
            return
        for who, created in rows:
            state = "  disabled" if who.disabled else ""
            agency = f"  agency {who.partner}" if who.partner else ""
            click.echo(f"{who.name}  {who.role}{agency}  {who.display!r}  added {created}{state}")

    @users.command("remove")
    @BOARD
    @click.argument("name")
    def users_remove(board: Path, name: str) -> None:
        """Remove account NAME (its sessions end; the register's history keeps its name)."""
        from .accounts import AccountError

        try:
            _accounts(board).remove(name)
        except AccountError as exc:
            raise _account_error(exc) from None
        click.echo(f"Removed {name}.")

    @users.command("passwd")
    @BOARD
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
    def users_passwd(board: Path, name: str, password_stdin: bool) -> None:
        """Set account NAME's password (its sessions end: it signs in again)."""
        from .accounts import AccountError

        store = _accounts(board)
        if not store.exists() or store.get(name) is None:
            raise LifError(f"{name!r}: no account with this name; nothing was changed")
        password = _read_password(name, password_stdin)
        try:
            store.set_password(name, password)
        except AccountError as exc:
            raise _account_error(exc) from None
        click.echo(f"Password changed for {name}.")

    @users.command("disable")
    @BOARD
    @click.argument("name")
    @click.option("--enable", is_flag=True, help="Allow the account to sign in again.")
    def users_disable(board: Path, name: str, enable: bool) -> None:
        """Stop account NAME signing in (its sessions end at once); --enable undoes it."""
        from .accounts import AccountError

        try:
            _accounts(board).set_disabled(name, not enable)
        except AccountError as exc:
            raise _account_error(exc) from None
        click.echo(f"{'Enabled' if enable else 'Disabled'} {name}.")

    try:
        from .remind import register_remind
    except ImportError:  # pragma: no cover - remind.py is part of the package
        return
    register_remind(cli)
