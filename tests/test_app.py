"""`itbs-geno app` as a person uses it (Playwright driving Debian's chromium against the real
server in a subprocess), and as an attacker would try it (raw HTTP): the token, the Host header,
the CSRF token, the upload cap, the private folder, the loopback-only socket, the idle stop and
Ctrl-C. Every server runs on a port the system picks, and every wait has a timeout."""

import _socket
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import ROOT, SAMPLES

SAMPLE = SAMPLES / "genome_Synthetic_Runner_v5_Full_20261125.zip"
SQUAD = SAMPLES / "squad"
DOCS = ROOT / "docs"
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """As conftest's guard, narrowed to loopback: these tests talk to the app on 127.0.0.1."""
    def loopback_only(connect):
        def guarded(sock, address, *args):
            if not (isinstance(address, tuple) and address[0] == "127.0.0.1"):
                raise AssertionError(f"a test tried to reach {address}")
            return connect(sock, address, *args)
        return guarded
    monkeypatch.setattr(socket.socket, "connect", loopback_only(_socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", loopback_only(_socket.socket.connect_ex))


class App:
    """`itbs-geno app --no-browser` in a subprocess, with its own TMPDIR so its folders can be watched."""

    def __init__(self, tmp: Path, *options: str, path: str | None = None):
        self.tmp = tmp / "tmp"
        self.tmp.mkdir()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(self.tmp), "PATH": path or os.environ["PATH"]}
        self.process = subprocess.Popen([sys.executable, "-m", "itbs_geno", "app", "--no-browser", *options],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=30)
        assert first and first[0].startswith("itbs-geno app is running at http://127.0.0.1:"), first
        self.url = first[0].split(" at ")[1].strip()
        self.port = int(re.search(r":(\d+)/", self.url)[1])
        self.token = self.url.split("token=")[1]
        [self.root] = self.tmp.glob("itbs-geno-app-*")

    def stop(self, sig=signal.SIGINT) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err

    def request(self, method: str, path: str, body=None, headers=None, cookie=True) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {**({"Cookie": self.cookie()} if cookie else {}), **(headers or {})}
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.read()
        return response

    def cookie(self) -> str:
        if not hasattr(self, "_cookie"):
            response = self.request("GET", f"/?token={self.token}", cookie=False)
            self._cookie = response.getheader("set-cookie").split(";")[0]
        return self._cookie

    def csrf(self) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", "/", headers={"Cookie": self.cookie()})
        return re.search(r'name="csrf" value="([^"]+)"', connection.getresponse().read().decode())[1]

    def requests_in_flight(self) -> list[Path]:
        return list(self.root.glob("req-*"))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    running = App(tmp_path_factory.mktemp("app"), "--idle-minutes", "10", "--max-upload-mb", "1")
    yield running
    code, err = running.stop()
    assert code == 0 and "The uploaded files are deleted" in err, err
    assert list(running.tmp.iterdir()) == []


def multipart(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode()
                    + (f'; filename="{filename}"'.encode() if filename is not None else b"")
                    + b"\r\n\r\n" + data + b"\r\n" for name, filename, data in parts)
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --- the gate ---------------------------------------------------------------------------------

def test_no_request_without_the_token_succeeds(app):
    body, kind = multipart(("csrf", None, app.csrf().encode()), ("dna", "g.zip", SAMPLE.read_bytes()))
    tries = [("GET", "/", None, {}), ("GET", "/squad", None, {}), ("HEAD", "/", None, {}),
             ("GET", "/r/x", None, {}), ("GET", "/r/x/save/team.zip", None, {}), ("OPTIONS", "/", None, {}),
             ("POST", "/person", body, {"Content-Type": kind}), ("POST", "/squad", body, {"Content-Type": kind}),
             ("GET", "/?token=" + "A" * len(app.token), None, {})]
    for method, path, data, headers in tries:
        for cookie in ({}, {"Cookie": f"{app.cookie().split('=')[0]}=guessed"}, {"Cookie": f"other={app.token}"}):
            response = app.request(method, path, data, {**headers, **cookie}, cookie=False)
            assert response.status == 403, (method, path, cookie)
            assert response.getheader("access-control-allow-origin") is None
    assert app.requests_in_flight() == []


def test_the_token_becomes_a_strict_httponly_cookie(app):
    response = app.request("GET", f"/?token={app.token}", cookie=False)
    assert response.status == 303 and response.getheader("location") == "/"
    parts = [p.strip() for p in response.getheader("set-cookie").split(";")]
    assert parts[0].startswith(f"itbs_geno_{app.port}=") and app.token not in parts[0]
    assert {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(parts[1:])
    page = app.request("GET", "/")
    assert page.status == 200 and "script-src" not in page.getheader("content-security-policy")
    assert "default-src 'none'" in page.getheader("content-security-policy")
    assert "frame-ancestors 'none'" in page.getheader("content-security-policy")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost:{port}",
                                  "127.0.0.1:{other}", "127.0.0.1", "[::1]:{port}"])
def test_another_host_header_fails_even_with_the_cookie(app, host):
    """A DNS-rebinding page reaches 127.0.0.1 under its own name: the Host header gives it away."""
    named = host.format(port=app.port, other=app.port + 1)
    response = app.request("GET", "/", headers={"Host": named})
    assert response.status == 400
    response = app.request("GET", f"/?token={app.token}", headers={"Host": named}, cookie=False)
    assert response.status == 400 and response.getheader("set-cookie") is None


def test_uploads_are_post_only_and_need_the_forms_token(app):
    assert app.request("GET", "/person").status == 405
    for csrf in (None, "stale", app.csrf()[:-1]):
        parts = [("dna", "g.zip", SAMPLE.read_bytes())]
        body, kind = multipart(*([("csrf", None, csrf.encode())] if csrf else []), *parts)
        assert app.request("POST", "/person", body, {"Content-Type": kind}).status == 403
    # The token must come first: a file sent before it is refused before a byte of it is kept.
    body, kind = multipart(("dna", "g.zip", SAMPLE.read_bytes()), ("csrf", None, app.csrf().encode()))
    assert app.request("POST", "/person", body, {"Content-Type": kind}).status == 403
    assert app.requests_in_flight() == []


def test_an_upload_above_the_cap_gets_413_even_when_its_length_is_not_declared(app):
    declared = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    declared.putrequest("POST", "/person")
    for key, value in (("Cookie", app.cookie()), ("Content-Type", "multipart/form-data; boundary=x"),
                       ("Content-Length", str(5_000_000))):
        declared.putheader(key, value)
    declared.endheaders()                          # nothing of the body is sent: refused on the header
    assert declared.getresponse().status == 413

    body, kind = multipart(("csrf", None, app.csrf().encode()), ("dna", "big.txt", b"rs1\t1\t1\tAA\n" * 200_000))
    assert len(body) > 2_000_000
    chunked = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    chunked.putrequest("POST", "/person")
    for key, value in (("Cookie", app.cookie()), ("Content-Type", kind), ("Transfer-Encoding", "chunked")):
        chunked.putheader(key, value)
    chunked.endheaders()
    try:
        for at in range(0, len(body), 64_000):
            piece = body[at:at + 64_000]
            chunked.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        chunked.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass                                       # the server stopped reading at the cap, as it should
    response = chunked.getresponse()
    assert response.status == 413 and b"--max-upload-mb" in response.read()
    assert app.requests_in_flight() == []          # the part written before the cap is gone


def half_sent_upload(running):
    """POST the sample to /person but hold back its last 5,000 bytes, and wait until the server is
    writing the file: (the open connection, the bytes still to send)."""
    body, kind = multipart(("csrf", None, running.csrf().encode()), ("dna", "genome.zip", SAMPLE.read_bytes()))
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    connection.putrequest("POST", "/person")
    for key, value in (("Cookie", running.cookie()), ("Content-Type", kind), ("Content-Length", str(len(body)))):
        connection.putheader(key, value)
    connection.endheaders()
    connection.send(body[:-5000])
    deadline = time.monotonic() + 20
    while not list(running.root.glob("req-*/*/genome.zip")) and time.monotonic() < deadline:
        time.sleep(0.05)
    return connection, body[-5000:]


def test_the_upload_folder_is_private_while_in_use_and_gone_after_the_response(app):
    connection, rest = half_sent_upload(app)
    [written] = app.root.glob("req-*/*/genome.zip")
    assert app.root.stat().st_mode & 0o777 == 0o700 and written.parent.parent.stat().st_mode & 0o777 == 0o700
    assert written.stat().st_mode & 0o777 == 0o600
    connection.send(rest)
    response = connection.getresponse()
    assert response.status == 303 and response.getheader("location").startswith("/r/")
    assert app.requests_in_flight() == [] and not written.exists()


def test_the_server_binds_only_127_0_0_1(app):
    """From the socket itself (in-process), and from the kernel's table for the subprocess."""
    from itbs_geno.app.server import AppOptions, serve

    seen = {}

    def ready(state, server, sock):
        seen["address"] = sock.getsockname()
        seen["family"] = sock.family
        server.should_exit = True

    thread = threading.Thread(target=serve, args=(AppOptions(browser=False, idle_minutes=1), ready), daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert seen["address"][0] == "127.0.0.1" and seen["family"] == socket.AF_INET
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A"] + [line.split() for line in Path("/proc/net/tcp6").read_text()
                                                .splitlines()[1:] if line.split()[3] == "0A"]
    ours = [fields[1] for fields in listening if int(fields[1].split(":")[1], 16) == app.port]
    assert ours == [f"0100007F:{app.port:04X}"]


def test_it_stops_by_itself_when_idle_and_leaves_nothing(tmp_path):
    idle = App(tmp_path, "--idle-minutes", "0.02")
    assert idle.process.wait(timeout=30) == 0
    code, err = idle.stop()
    assert code == 0 and "Stopped after 0.02 minutes unused" in err
    assert list(idle.tmp.iterdir()) == []


def test_ctrl_c_during_an_upload_removes_its_files(tmp_path):
    running = App(tmp_path)
    half_sent_upload(running)
    assert list(running.root.glob("req-*/*/genome.zip"))
    code, err = running.stop(signal.SIGINT)
    assert code == 0 and "Stopped." in err, err
    assert list(running.tmp.iterdir()) == []


def test_without_chromium_the_page_says_how_to_get_a_pdf(tmp_path):
    running = App(tmp_path, path=str(tmp_path))                   # no browser on this PATH
    body, kind = multipart(("csrf", None, running.csrf().encode()), ("dna", "genome.zip", SAMPLE.read_bytes()))
    answer = running.request("POST", "/person", body, {"Content-Type": kind})
    assert answer.status == 303
    connection = http.client.HTTPConnection("127.0.0.1", running.port, timeout=30)
    connection.request("GET", answer.getheader("location"), headers={"Cookie": running.cookie()})
    page = connection.getresponse().read().decode()
    assert "No PDF here: it needs Chromium or Chrome" in page and "report.pdf" not in page and "Save HTML" in page
    assert running.stop()[0] == 0


def test_without_the_app_extra_it_says_what_to_install(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import sys\nclass H:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'starlette':\n            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, H())\n")
    done = subprocess.run([sys.executable, "-m", "itbs_geno", "app", "--no-browser"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{ROOT}"}, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("Error: itbs-geno app needs the app extra, which is not installed: run pip install "
                           "'itbs-geno[app]' (with pipx: pipx inject itbs-geno starlette uvicorn python-multipart)\n")


# --- in the browser, as a person uses it -------------------------------------------------------

@pytest.fixture
def opened(app, browser):
    """A fresh browser profile opened at the tokened URL, as the command opens it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    fetched: list[str] = []
    errors: list[str] = []                         # a CSP violation shows here as a console error
    page.on("request", lambda r: fetched.append(r.url))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app.url)
    yield page, fetched
    assert all(url.startswith(f"http://127.0.0.1:{app.port}/") for url in fetched), fetched
    assert [e for e in errors if "status of 400" not in e] == []    # the bad-file page answers 400, on purpose
    context.close()


def test_a_browser_without_the_token_gets_403(app, browser):
    context = browser.new_context()
    response = context.new_page().goto(f"http://127.0.0.1:{app.port}/")
    assert response.status == 403
    context.close()


def test_one_person_uploads_the_sample_sees_the_report_and_saves_it(app, opened, tmp_path):
    page, _ = opened
    assert page.url == f"http://127.0.0.1:{app.port}/"             # the token is gone from the address bar
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "app-page.png"), full_page=True)
    page.set_input_files("#dna", SAMPLE)
    page.set_input_files("#labs", SAMPLES / "sample_labs.csv")
    page.get_by_role("button", name="Make my report").click()
    page.wait_for_url(re.compile(r"/r/[\w-]+$"), timeout=60_000)
    report = page.frame_locator("iframe")
    expect(report.locator("h1")).to_contain_text("Synthetic", timeout=30_000)
    expect(report.get_by_text("ACTN3").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app-report.png"))
    assert app.requests_in_flight() == []

    saved = {}
    for button in ("Save HTML", "Save JSON", "Save PDF"):
        with page.expect_download(timeout=120_000) as download:
            page.get_by_role("link", name=button).click()
        saved[button] = download.value.suggested_filename, Path(download.value.path()).read_bytes()
    # The same page the report command writes for the same file and lab sheet.
    (tmp_path / "in").mkdir()
    copy = tmp_path / "in" / SAMPLE.name
    copy.write_bytes(SAMPLE.read_bytes())
    subprocess.run([sys.executable, "-m", "itbs_geno", "report", copy, "--labs", SAMPLES / "sample_labs.csv",
                    "-o", tmp_path / "cli.html", "--json", tmp_path / "cli.json"], check=True, cwd=ROOT, timeout=120)
    name, html = saved["Save HTML"]
    assert name.endswith(".itbs.html") and html == (tmp_path / "cli.html").read_bytes()
    name, data = saved["Save JSON"]
    ours, theirs = json.loads(data), json.loads((tmp_path / "cli.json").read_text())
    assert name.endswith(".itbs.json") and theirs["source"].pop("path") == str(copy)
    assert ours["source"].pop("path") == SAMPLE.name and ours == theirs    # the file's name, not the temporary path
    name, pdf = saved["Save PDF"]
    assert name.endswith(".itbs.pdf") and pdf.startswith(b"%PDF-") and len(pdf) > 10_000


def test_a_squad_is_uploaded_and_downloaded_as_one_zip(app, opened):
    page, _ = opened
    page.get_by_role("link", name="A squad").click()
    genomes = sorted((SQUAD / "genomes").iterdir())
    page.set_input_files("#genomes", genomes)
    page.set_input_files("#roster", SQUAD / "roster.csv")
    page.set_input_files("#squad-labs", SQUAD / "labs.csv")
    page.get_by_label("Also a coach's view").check()
    page.get_by_role("button", name="Make the team summary").click()
    page.wait_for_url(re.compile(r"/r/[\w-]+$"), timeout=120_000)
    team = page.frame_locator("iframe")
    expect(team.get_by_text("Ana Ruiz").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Skipped, no consent: Dee Obi")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "app-team.png"))
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Download everything (zip)").click()
    assert download.value.suggested_filename == "team.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as archive:
        names = set(archive.namelist())
        team_json = json.loads(archive.read("team/team.json"))
        with zipfile.ZipFile(io.BytesIO(archive.read("team/team.xlsx"))) as sheet:
            texts = [archive.read(n) for n in names] + [sheet.read(n) for n in sheet.namelist()]
    assert not [t for t in texts if str(app.tmp).encode() in t]      # no temporary path in any file
    athletes = {f"S0{i}" for i in (1, 2, 3, 5, 6, 7, 8)}              # S04 (Dee Obi) gave no consent
    assert {f"team/{a}.{kind}" for a in athletes for kind in ("html", "json")} <= names
    assert {"team/team.html", "team/team.csv", "team/team.json", "team/team.xlsx", "team/team_coach.html"} <= names
    assert not any("S04" in n for n in names) and all(n.startswith("team/") and ".." not in n for n in names)
    assert "Ana Ruiz" in json.dumps(team_json) and app.requests_in_flight() == []
    assert {a["input"] for a in team_json["athletes"]} >= {"ana_ruiz_23andme.txt", "hal_reid_23andme.txt"}


def test_a_bad_file_shows_the_clis_one_line_on_the_page_with_the_form_kept(app, opened, tmp_path):
    page, _ = opened
    bad = tmp_path / "notes.txt"
    bad.write_text("my training diary\nnot a genome\n")
    page.get_by_text("More (optional)").click()
    page.fill("#name", "Jo Runner")
    page.set_input_files("#dna", bad)
    page.get_by_role("button", name="Make my report").click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible(timeout=30_000)
    cli = subprocess.run([sys.executable, "-m", "itbs_geno", "report", "notes.txt"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    assert cli.returncode == 2 and cli.stderr.startswith("Error: ")
    message = cli.stderr.removeprefix("Error: ").strip()
    assert message.startswith("notes.txt: ") and message in alert.inner_text()
    assert "You had chosen notes.txt" in alert.inner_text() and str(app.tmp) not in page.content()
    expect(page.locator("#name")).to_have_value("Jo Runner")
    expect(page.get_by_role("button", name="Make my report")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "app-error.png"), full_page=True)
    assert app.requests_in_flight() == []


def test_the_app_page_at_phone_width(app, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(app.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "app-phone.png"), full_page=True)
    context.close()


def test_a_bug_is_one_line_on_the_page_and_its_files_are_removed(monkeypatch):
    from itbs_geno.app import work
    from itbs_geno.app.server import AppOptions, serve

    def broken(form, folder):
        raise KeyError("boom")
    monkeypatch.setattr(work, "person", broken)
    seen, done = {}, threading.Event()

    def ready(state, server, sock):
        seen.update(state=state, server=server)
        done.set()
    thread = threading.Thread(target=serve, args=(AppOptions(browser=False, idle_minutes=1), ready), daemon=True)
    thread.start()
    assert done.wait(timeout=30)
    state = seen["state"]
    try:
        body, kind = multipart(("csrf", None, state.csrf.encode()), ("dna", "genome.zip", SAMPLE.read_bytes()))
        connection = http.client.HTTPConnection("127.0.0.1", state.port, timeout=30)
        connection.request("POST", "/person", body=body, headers={"Content-Type": kind,
                                                                  "Cookie": f"{state.cookie}={state.session}"})
        response = connection.getresponse()
        page = response.read().decode()
        assert response.status == 500 and "Traceback" not in page
        assert "internal error (KeyError: &#39;boom&#39;); this is a bug in itbs-geno" in page
        assert list(state.root.glob("req-*")) == []
    finally:
        seen["server"].should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive() and not state.root.exists()
