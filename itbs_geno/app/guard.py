"""The gate every request passes before any page code runs (pure ASGI, outermost).

A local server is still a server: any web page the person visits can make their browser send
requests to 127.0.0.1, and a DNS-rebinding page can even read the answers. So: the Host header
must be exactly our loopback address and port (a rebinding page's requests carry its own name);
the secret token from the opening URL is swapped for an HttpOnly, SameSite=Strict cookie, and a
request without it gets 403; uploads are POST only (the CSRF token is checked by the form
reader); no CORS header is ever sent; the body is counted as it streams and cut at the cap
(413), whatever Content-Length said."""

import secrets
import threading
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages of the app: no script, nothing from elsewhere, forms post only here, never framed by others.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# A report or team page shown in the app's frame: the page's own meta CSP applies as well.
SHOWN_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; "
             "base-uri 'none'; frame-ancestors 'self'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
           (b"cache-control", b"no-store"), (b"cross-origin-opener-policy", b"same-origin"),
           (b"cross-origin-resource-policy", b"same-origin")]


@dataclass
class State:
    """One running app: its secrets, its address, its private folder and what it has made."""
    port: int
    root: Path                                   # the private temporary folder (0700)
    max_upload: int                              # bytes
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))      # in the opening URL
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32))    # the cookie's value
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))       # in every form
    results: dict[str, Any] = field(default_factory=dict)
    last_seen: float = field(default_factory=time.monotonic)
    busy: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}/?token={self.token}"

    @property
    def cookie(self) -> str:
        return f"itbs_geno_{self.port}"          # cookies ignore ports: one name per running app

    def idle_for(self) -> float:
        return 0.0 if self.busy else time.monotonic() - self.last_seen


class Guard:
    def __init__(self, app: ASGIApp, state: State):
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return                                # no websockets, no lifespan: nothing else is served
        state = self.state
        state.busy += 1
        try:
            await self._gate(scope, receive, _with_headers(send))
        finally:
            state.busy -= 1
            state.last_seen = time.monotonic()

    async def _gate(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.state
        headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get(b"host") != state.host:
            return await _plain(send, 400, "This address is not served here (only " + state.host + ").")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = query.get("token", [""])[0]
        if scope["method"] == "GET" and token and secrets.compare_digest(token.encode(), state.token.encode()):
            cookie = f"{state.cookie}={state.session}; HttpOnly; SameSite=Strict; Path=/"
            return await _plain(send, 303, "Opening the app.", [(b"location", b"/"),
                                                                 (b"set-cookie", cookie.encode())])
        if not secrets.compare_digest(_cookie(headers.get(b"cookie", ""), state.cookie).encode(),
                                      state.session.encode()):
            return await _plain(send, 403, "Forbidden: open the app from the address itbs-geno app printed.")
        if scope["method"] == "POST":
            declared = headers.get(b"content-length", "")
            if declared.isdigit() and int(declared) > state.max_upload:
                return await _plain(send, 413, _too_large(state))
            receive = _capped(receive, state)
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return ""
    return jar[name].value if name in jar else ""


def _capped(receive: Receive, state: State) -> Receive:
    """Count the body as it arrives; past the cap, stop reading it (the form reader's cleanup runs)."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > state.max_upload:
            raise HTTPException(413, _too_large(state))
        return message
    return counted


def _too_large(state: State) -> str:
    return (f"The upload is larger than {state.max_upload // 1_000_000} MB; start the app with "
            f"--max-upload-mb to allow more.")


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
        await send(message)
    return sending


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = (text + "\n").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})
