"""Run the app: a socket bound to 127.0.0.1 on a port the system picks (so it is free, with no
race between choosing and binding), uvicorn serving it, the browser opened at the tokened URL, a
watchdog that stops the server after the idle time, and the private folder removed on every way
out (idle, Ctrl-C, SIGTERM, an error)."""

import shutil
import socket
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import uvicorn

from itbs_geno.app import routes
from itbs_geno.app.guard import State

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class AppOptions:
    browser: bool = True
    max_upload_mb: int = 200
    idle_minutes: float = 30.0


def serve(options: AppOptions, ready: Callable[[State, uvicorn.Server, socket.socket], None] | None = None) -> int:
    """Serve until idle, Ctrl-C or SIGTERM; `ready` is called once the server listens (tests use it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    root = Path(tempfile.mkdtemp(prefix="itbs-geno-app-"))      # 0700
    try:
        sock.bind((LOOPBACK, 0))
        sock.listen(16)
        state = State(port=sock.getsockname()[1], root=root, max_upload=options.max_upload_mb * 1_000_000)
        config = uvicorn.Config(routes.build(state), http="h11", ws="none", lifespan="off", log_level="warning",
                                access_log=False, server_header=False, date_header=False, proxy_headers=False,
                                timeout_graceful_shutdown=5)
        server = uvicorn.Server(config)
        threading.Thread(target=_watch, args=(server, state, options, ready, sock), daemon=True).start()
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:      # uvicorn stopped gracefully, then passed the Ctrl-C on to us
            pass
        if server.started and state.idle_for() >= options.idle_minutes * 60:
            click.echo(f"Stopped after {options.idle_minutes:g} minutes unused.", err=True)
        else:
            click.echo("Stopped.", err=True)
        click.echo("The uploaded files are deleted; nothing was kept.", err=True)
        return 0
    finally:
        sock.close()
        shutil.rmtree(root, ignore_errors=True)


def _watch(server: uvicorn.Server, state: State, options: AppOptions, ready, sock: socket.socket) -> None:
    """Announce the address once the server listens, then stop it when it has been idle too long."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    click.echo(f"itbs-geno app is running at {state.url}\n"
               f"Only this computer can open it. Keep this window open while you use it; Ctrl-C stops it "
               f"(it stops by itself after {options.idle_minutes:g} minutes unused).")
    if ready:
        ready(state, server, sock)
    if options.browser:
        webbrowser.open(state.url)
    while not server.should_exit:
        if state.idle_for() >= options.idle_minutes * 60:
            server.should_exit = True
        time.sleep(0.2)
