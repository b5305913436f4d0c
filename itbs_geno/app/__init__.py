"""`itbs-geno app`: the report and the team summary from a page in the person's own browser,
served from their own computer (127.0.0.1 only, token-protected), for people who do not use a
terminal. Its web framework and server are an optional extra, so the CLI installs without them."""

import importlib

from itbs_geno.errors import InputError

NEEDED = ("starlette", "uvicorn", "python_multipart")
HOW_TO_GET_IT = ("itbs-geno app needs the app extra, which is not installed: run "
                 "pip install 'itbs-geno[app]' (with pipx: pipx inject itbs-geno starlette uvicorn python-multipart)")


def start(browser: bool, max_upload_mb: int, idle_minutes: float) -> int:
    try:
        for name in NEEDED:
            importlib.import_module(name)
    except ImportError:
        raise InputError(HOW_TO_GET_IT) from None
    from itbs_geno.app.server import AppOptions, serve

    return serve(AppOptions(browser, max_upload_mb, idle_minutes))
