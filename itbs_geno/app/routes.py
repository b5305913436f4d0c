"""The app's pages: the two forms, the answer in the page, and its files to save. Page code runs
only after guard.Guard has let the request in; pages are rendered from templates/app.html."""

import mimetypes
import secrets
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from itbs_geno import templating
from itbs_geno.app import uploads, work
from itbs_geno.app.guard import PAGE_CSP, SHOWN_CSP, Guard, State
from itbs_geno.errors import InputError

KEPT = 12                    # answers kept in memory; the oldest goes first
TYPES = {".html": "text/html; charset=utf-8", ".json": "application/json", ".csv": "text/csv; charset=utf-8",
         ".ics": "text/calendar; charset=utf-8", ".pdf": "application/pdf", ".zip": "application/zip"}


def build(state: State) -> Guard:
    async def person_form(request: Request) -> Response:
        return page(state, "person")

    async def squad_form(request: Request) -> Response:
        return page(state, "squad")

    async def person(request: Request) -> Response:
        return await answer(request, state, "person", work.person)

    async def squad(request: Request) -> Response:
        return await answer(request, state, "squad", work.squad)

    async def result(request: Request) -> Response:
        made = _made(state, request)
        from itbs_geno.pdf import find_browser

        return page(state, "result", made=made, key=request.path_params["key"], has_browser=bool(find_browser()))

    async def view(request: Request) -> Response:
        made, name = _made(state, request), request.path_params["name"]
        if name not in made.files:
            raise HTTPException(404, "No such file in this answer.")
        return Response(made.files[name], media_type=_type(name), headers={"content-security-policy": SHOWN_CSP})

    async def save(request: Request) -> Response:
        made, name = _made(state, request), request.path_params["name"]
        if name == "report.pdf" and made.kind == "person":
            if name not in made.extra:
                try:
                    made.extra[name] = await run_in_threadpool(work.pdf_of, made, state.root)
                except InputError as err:
                    return PlainTextResponse(str(err) + "\n", status_code=500)
            data, name = made.extra["report.pdf"], Path(made.shown).stem + ".pdf"
        elif name == "team.zip" and made.kind == "squad":
            data = made.extra.setdefault(name, work.zipped(made))
        elif name in made.files:
            data = made.files[name]
        else:
            raise HTTPException(404, "No such file in this answer.")
        return Response(data, media_type=_type(name),
                        headers={"content-disposition": f'attachment; filename="{_ascii(name)}"'})

    app = Starlette(routes=[
        Route("/", person_form, methods=["GET"]), Route("/squad", squad_form, methods=["GET"]),
        Route("/person", person, methods=["POST"]), Route("/squad", squad, methods=["POST"]),
        Route("/r/{key}", result, methods=["GET"]), Route("/r/{key}/view/{name}", view, methods=["GET"]),
        Route("/r/{key}/save/{name}", save, methods=["GET"]),
    ], exception_handlers={HTTPException: _plain})
    return Guard(app, state)


async def answer(request: Request, state: State, kind: str, job) -> Response:
    """Read the upload into a private folder, run the job, keep its answer in memory, and remove the
    folder before the answer is sent (also when the job or the upload fails)."""
    with work.private_folder(state.root) as folder:
        form = await uploads.receive(request.stream(), request.headers.get("content-type", ""), folder, state.csrf)
        try:
            made = await run_in_threadpool(job, form, folder)
        except InputError as err:
            return page(state, kind, error=work.one_line(err, folder), form=form, status=400)
        except Exception as err:  # noqa: BLE001 - as the CLI: a bug is one line on the page, never a traceback
            said = work.one_line(InputError(f"internal error ({type(err).__name__}: {err}"[:300] + ")"), folder)
            return page(state, kind, error=f"{said}; this is a bug in itbs-geno, please report it with what you "
                                           f"chose", form=form, status=500)
    key = secrets.token_urlsafe(12)
    with state.lock:
        state.results[key] = made
        while len(state.results) > KEPT:
            state.results.pop(next(iter(state.results)))
    return RedirectResponse(f"/r/{key}", status_code=303)


def page(state: State, view: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("form", uploads.Form())
    context.setdefault("error", None)
    html = templating.page("app.html", {"view": view, "csrf": state.csrf, **context})
    return HTMLResponse(html, status_code=status, headers={"content-security-policy": PAGE_CSP})


def _made(state: State, request: Request) -> work.Made:
    made = state.results.get(request.path_params["key"])
    if made is None:
        raise HTTPException(404, "This answer is no longer kept (the app keeps the last 12); make it again.")
    return made


def _type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)


async def _plain(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return PlainTextResponse(exc.detail + "\n", status_code=exc.status_code, headers=exc.headers)
