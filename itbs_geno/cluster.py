"""Running the batch on a Dask cluster: the scheduler address is checked first, and connecting
is bounded in time, so a wrong address or a server that is not a Dask scheduler gives one line."""

import asyncio
import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from itbs_geno.errors import InputError
from itbs_geno.sheets import quoted

_SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss")
_HOST = re.compile(r"[A-Za-z0-9._-]{1,253}|[0-9A-Fa-f:.]{2,45}", re.ASCII)


def check_scheduler(address: str) -> str:
    """The address, if it is a Dask scheduler address (SCHEME://HOST:PORT, or HOST:PORT for tcp)."""
    if address.startswith("inproc://"):     # a cluster inside this process (LocalCluster(processes=False))
        return address
    bad = InputError(f"--scheduler {quoted(address, 100)}: not a scheduler address; give tcp://HOST:PORT "
                     f"with a port from 1 to 65535")
    if not address.isprintable() or any(c.isspace() for c in address):
        raise bad
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
        port = parts.port
    except ValueError:                      # "tcp://[::1", "tcp://host:99999", "tcp://host:x"
        raise bad from None
    if (parts.scheme not in _SCHEDULER_SCHEMES or not _HOST.fullmatch(parts.hostname or "")
            or port is None or not 1 <= port <= 65535 or parts.path not in ("", "/")
            or parts.query or parts.fragment or parts.username is not None):
        raise bad
    return address


def scheduler_timeout() -> float:
    """Seconds to wait for a scheduler to connect and to answer (ITBS_GENO_SCHEDULER_TIMEOUT, default 20)."""
    text = os.environ.get("ITBS_GENO_SCHEDULER_TIMEOUT", "20")
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= 3600:
        raise InputError(f"ITBS_GENO_SCHEDULER_TIMEOUT={quoted(text)}: give a number of seconds, at most 3600")
    return seconds


def run(task: Callable[..., Any], items: list[str], scheduler: str, done: Callable[[Any], None] = lambda _: None,
        **kwargs: Any) -> list[Any]:
    """task(item, **kwargs) for every item on the cluster; results in input order. `done` sees each
    result as it arrives (a progress tick; --strict raises there, which cancels the rest)."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise InputError("--scheduler needs dask.distributed: pip install 'itbs-geno[cluster]'") from None
    timeout = scheduler_timeout()
    if not scheduler.startswith("inproc://"):
        _greet(scheduler, timeout)
    try:
        client = Client(scheduler, timeout=timeout)
    except Exception as err:  # noqa: BLE001 - a broken or hostile server makes distributed raise anything
        raise InputError(f"{scheduler}: cannot use the Dask scheduler ({type(err).__name__}: "
                         f"{quoted(str(err), 80)}); check the address") from None
    with client:
        futures = client.map(task, items, pure=False, **kwargs)
        place = {future.key: i for i, future in enumerate(futures)}
        outcomes: list[Any] = [None] * len(items)
        try:
            for future in as_completed(futures):
                outcomes[place[future.key]] = future.result()
                done(outcomes[place[future.key]])
        except BaseException:
            client.cancel(futures)
            raise
        return outcomes


def _greet(address: str, timeout: float) -> None:
    """Connect and exchange Dask's greeting within `timeout`. distributed bounds the connection
    but waits for the greeting forever: a server that accepts and stays silent hung the batch."""
    from distributed.comm import connect

    async def greet() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        await comm.close()

    try:
        asyncio.run(greet())
    except TimeoutError:
        raise InputError(f"{address}: no answer from a Dask scheduler within {timeout:g} s; check the address "
                         f"and that the scheduler runs (ITBS_GENO_SCHEDULER_TIMEOUT sets the wait)") from None
    except Exception as err:  # noqa: BLE001 - a server that is not a Dask scheduler can send anything
        raise InputError(f"{address}: not a Dask scheduler, or not reachable ({type(err).__name__}: "
                         f"{quoted(str(err), 80)}); check the address") from None
