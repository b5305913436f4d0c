"""Print a written HTML report to PDF with a headless Chromium or Chrome, when one is installed.

The tool promises no network, and a browser is built to phone home (component updates, sign-in,
safe browsing, field trials, DNS prefetch). So the browser runs with a throw-away profile, with
every such service turned off by flag, with its host resolver answering "not found" for every
name and a proxy that goes nowhere, and, where Linux allows it (`unshare`), inside an empty
network namespace where no packet can leave at all. The page itself loads nothing (its
Content-Security-Policy forbids it). The report's CSS prints its own footer; Chromium's
header and footer (which would show the file's path) are turned off. A PDF is renamed into
place only when it is complete (a full disk truncates it).
"""

import base64
import functools
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from itbs_geno.errors import InputError
from itbs_geno.output import umask

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
HOW_TO_GET_IT = ("--pdf needs Chromium or Chrome, and neither is installed: on Debian or Ubuntu run "
                 "'sudo apt install chromium' (or open the HTML report in any browser and print it to PDF)")
TIMEOUT = 180

# Each of these stops a service that would otherwise reach Google or a CDN from a headless run.
OFFLINE_FLAGS = (
    "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking",              # variations, update and promo fetches
    "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--disable-breakpad",
    "--disable-crash-reporter", "--metrics-recording-only", "--no-pings", "--disable-field-trial-config",
    "--disable-search-engine-choice-screen", "--password-store=basic", "--use-mock-keychain",
    ("--disable-features=Translate,MediaRouter,DialMediaRouteProvider,OptimizationHints,"
     "AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,"
     "NetworkTimeServiceQuerying,SafeBrowsing"),
    "--host-resolver-rules=MAP * ~NOTFOUND",          # no name resolves, so no DNS query is sent
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",   # and nothing is routed
    # The report prints its own footer (title, name, page X of Y, date); Chromium's would add the
    # file's path, so it is switched off (both spellings: the flag was renamed in Chromium 120).
    *(PRINT_FLAGS := ("--no-pdf-header-footer", "--print-to-pdf-no-header")),
)


def find_browser() -> str | None:
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def print_pdf(html: Path, pdf: Path, shareable: bool = False) -> None:
    browser = find_browser()
    if browser is None:
        raise InputError(HOW_TO_GET_IT)
    folder = pdf.parent if str(pdf.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{pdf}: the folder {folder} does not exist; create it or choose another output path")
    name = Path(browser).name
    with tempfile.TemporaryDirectory(prefix="itbs-geno-pdf-") as profile:
        fd, named = tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".part", dir=folder)
        os.close(fd)                       # Chromium writes the file by its name
        partial = Path(named)
        try:
            command = [*browser_command(browser, profile), f"--print-to-pdf={partial}", html.resolve().as_uri()]
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
            if done.returncode != 0 or not is_complete_pdf(partial):
                raise InputError(f"{pdf}: {name} did not produce a complete PDF (a full disk?); nothing was "
                                 f"saved; print the HTML report from a browser instead")
            os.chmod(partial, 0o644 & ~umask() if shareable else 0o600)
            os.replace(partial, pdf)
        except subprocess.TimeoutExpired:
            raise InputError(f"{pdf}: {name} took more than {TIMEOUT} s to print the report; "
                             f"nothing was saved") from None
        except OSError as err:
            raise InputError(f"{pdf}: could not be written ({err.strerror}); nothing was saved") from None
        finally:
            partial.unlink(missing_ok=True)


def print_pdfs(pages: list[tuple[Path, Path]], shareable: bool = False) -> None:
    """Print each (html, pdf) pair with one browser process instead of one per page (a Chromium start
    costs about a second). The browser is driven over its DevTools pipe (--remote-debugging-pipe:
    file descriptors 3 and 4, no port is opened), with print_pdf's offline flags and network
    namespace. One page, or no os.posix_spawn: print_pdf for each."""
    if len(pages) < 2 or not hasattr(os, "posix_spawn"):
        for html, pdf in pages:
            print_pdf(html, pdf, shareable)
        return
    browser = find_browser()
    if browser is None:
        raise InputError(HOW_TO_GET_IT)
    name = Path(browser).name
    with tempfile.TemporaryDirectory(prefix="itbs-geno-pdf-") as profile, _DevTools(browser, profile) as tools:
        for html, pdf in pages:
            data = tools.print(html.resolve().as_uri(), pdf)
            _save(pdf, data, shareable, name)


def _save(pdf: Path, data: bytes, shareable: bool, name: str) -> None:
    """Written beside its target and renamed into place only once it is a complete PDF."""
    try:
        fd, named = tempfile.mkstemp(prefix=f".{pdf.name}.", suffix=".part", dir=pdf.parent)
    except OSError as err:
        raise InputError(f"{pdf}: could not be written ({err.strerror}); nothing was saved") from None
    partial = Path(named)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        if not is_complete_pdf(partial):
            raise InputError(f"{pdf}: {name} did not produce a complete PDF (a full disk?); nothing was saved; "
                             f"print the HTML page from a browser instead")
        os.chmod(partial, 0o644 & ~umask() if shareable else 0o600)
        os.replace(partial, pdf)
    except OSError as err:
        raise InputError(f"{pdf}: could not be written ({err.strerror}); nothing was saved") from None
    finally:
        partial.unlink(missing_ok=True)


class _DevTools:
    """A headless browser and its DevTools pipe: JSON messages, each ended by a NUL byte."""

    def __init__(self, browser: str, profile: str) -> None:
        # The command line's print flags make a piped browser's renderer exit; printToPDF says the same.
        command = [arg for arg in browser_command(browser, profile) if arg not in PRINT_FLAGS]
        self.command = [*command, "--remote-debugging-pipe", "about:blank"]
        self.name = Path(browser).name
        self.pending = b""
        self.next_id = 0
        self.deadline = time.monotonic() + TIMEOUT

    def __enter__(self) -> "_DevTools":
        to_browser, self.commands = os.pipe()
        self.replies, from_browser = os.pipe()
        devnull = os.open(os.devnull, os.O_RDWR)
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                   (os.POSIX_SPAWN_DUP2, devnull, 2), (os.POSIX_SPAWN_DUP2, to_browser, 3),
                   (os.POSIX_SPAWN_DUP2, from_browser, 4)]
        try:
            self.pid = os.posix_spawn(self.command[0], self.command, os.environ, file_actions=actions)
        except OSError as err:
            os.close(self.commands)
            os.close(self.replies)
            raise InputError(f"could not start {self.name} to print the PDFs ({err.strerror})") from None
        finally:
            for fd in (to_browser, from_browser, devnull):
                os.close(fd)
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            self.call("Page.enable", session=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.send("Browser.close")
        except OSError:
            pass                                        # it has gone already
        os.close(self.commands)
        os.close(self.replies)
        for _ in range(50):                             # up to 5 s to close, then it is stopped
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return
            time.sleep(0.1)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)

    def print(self, uri: str, pdf: Path) -> bytes:
        """The page printed as --print-to-pdf prints it: the page's own CSS page size, backgrounds,
        no header or footer of Chromium's."""
        self.deadline = time.monotonic() + TIMEOUT
        self.call("Page.navigate", session=True, url=uri)
        while (event := self.receive().get("method")) != "Page.loadEventFired":
            if event in ("Inspector.detached", "Target.detachedFromTarget"):
                raise InputError(f"{pdf}: {self.name} stopped while printing it; nothing was saved; print the "
                                 f"HTML page from a browser instead")
        printed = self.call("Page.printToPDF", session=True, printBackground=True, preferCSSPageSize=True,
                            displayHeaderFooter=False)
        return base64.b64decode(printed.get("data", ""))

    def send(self, method: str, session: bool = False, **params: object) -> int:
        self.next_id += 1
        message: dict[str, object] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        return self.next_id

    def call(self, method: str, session: bool = False, **params: object) -> dict:
        wanted = self.send(method, session, **params)
        while (message := self.receive()).get("id") != wanted:
            pass
        if "error" in message:
            raise InputError(f"{self.name} could not print: {str(message['error'].get('message', ''))[:200]}")
        return message.get("result", {})

    def receive(self) -> dict:
        while b"\0" not in self.pending:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.replies], [], [], left)[0]:
                raise InputError(f"{self.name} took more than {TIMEOUT} s to print a page; nothing more was saved")
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                raise InputError(f"{self.name} stopped while printing; nothing more was saved")
            self.pending += chunk
        message, self.pending = self.pending.split(b"\0", 1)
        return json.loads(message)


def browser_command(browser: str, profile: str) -> list[str]:
    command = [browser, *OFFLINE_FLAGS, f"--user-data-dir={profile}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.insert(1, "--no-sandbox")          # Chromium refuses to run as root with its sandbox
    return [*no_network_prefix(), *command]


@functools.cache
def no_network_prefix() -> tuple[str, ...]:
    """`unshare` into a new, empty network namespace (only a loopback that is down), if this
    system lets this user make one; else nothing, and the flags alone keep the browser offline."""
    unshare = shutil.which("unshare")
    if unshare is None or not hasattr(os, "geteuid"):
        return ()
    # root may make a network namespace directly; others need a user namespace mapped to themselves
    prefix = (unshare, "--net") if os.geteuid() == 0 else (unshare, "--user", "--net", "--map-current-user")
    try:
        works = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        works = False
    return prefix if works else ()


_TRAILER = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def is_complete_pdf(path: Path) -> bool:
    """Starts as a PDF, ends in a trailer whose cross-reference offset lies inside the file and
    points at a cross-reference table or stream, and holds at least one page. A PDF cut short by a
    full disk fails the trailer check; one with no page is not a report."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            if fh.read(5) != b"%PDF-":
                return False
            fh.seek(max(0, size - 1024))
            found = _TRAILER.search(fh.read())
            if not found or not 0 < int(found.group(1)) < size:
                return False
            fh.seek(int(found.group(1)))
            if not re.match(rb"xref|\d+\s+\d+\s+obj", fh.read(32)):
                return False
            fh.seek(0)
            return re.search(rb"/Type\s*/Page\b", fh.read()) is not None
    except OSError:
        return False
