"""The guard's fork server: ``python -m landscapes._compile_server`` (started by guard.py).

A single-threaded process that loads SymPy and this package once, then reads requests, one JSON
line each (``{"id": 1, "text": "...", "seconds": 3.0}``), from stdin and forks one child per
request. It writes JSON lines to stdout: ``{"id", "pid"}`` when the child starts, ``{"id",
"outcome"}`` with the child's result (null: compiled; else [message, position, snippet]) and
``{"id", "status"}`` when the child has ended (its wait status). Forking here is safe: no other
thread can hold a lock at that moment. It exits when stdin closes (the server died, even by
SIGKILL); each child is SIGKILLed by the kernel when this process dies (PR_SET_PDEATHSIG).
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import resource
import select
import signal
import sys

from landscapes.dataset_loss import compile_symbolic
from landscapes.loss import compile_loss
from landscapes.parse import InvalidExpression

_PR_SET_PDEATHSIG = 1
_MAX_MESSAGE = 1000      # one stdout line stays below PIPE_BUF (4096 B): writes never interleave


def _write(out: int, record: dict) -> None:
    os.write(out, (json.dumps(record) + "\n").encode())


def _child(request: dict, out: int, parent: int) -> None:
    code = 0
    try:
        with contextlib.suppress(OSError, AttributeError, TypeError):
            libc = ctypes.CDLL(None, use_errno=True)   # the loaded C library (no ldconfig run)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)
        cpu = max(1, math.ceil(float(request["seconds"]))) + 1   # backstop: SIGXCPU
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        try:
            columns = request.get("columns")
            if columns is None:
                compile_loss(request["text"])
            else:                        # a per-sample loss: its symbolic part, without data
                compile_symbolic(request["text"], tuple(columns))
            outcome = None
        except InvalidExpression as exc:
            outcome = [str(exc)[:_MAX_MESSAGE], exc.position, exc.snippet[:100]]
        except Exception as exc:  # noqa: BLE001 - a message for the parent
            outcome = [f"this expression could not be compiled ({type(exc).__name__})", None, ""]
        _write(out, {"id": request["id"], "outcome": outcome})
    except BaseException:  # noqa: BLE001 - a child never returns into the server loop
        code = 1
    finally:
        os._exit(code)


def main() -> None:
    compile_loss("x^2 + y^2")            # load everything compiling needs, once, before forking
    stdin, out = sys.stdin.fileno(), sys.stdout.fileno()
    running: dict[int, int] = {}         # pid -> request id
    buffer = b""
    me = os.getpid()
    while True:
        ready, _, _ = select.select([stdin], [], [], 0.05)
        if ready:
            data = os.read(stdin, 1 << 16)
            if not data:                 # the server is gone: so are we (children follow)
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                pid = os.fork()
                if pid == 0:
                    _child(request, out, me)
                running[pid] = request["id"]
                _write(out, {"id": request["id"], "pid": pid})
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            _write(out, {"id": running.pop(pid), "status": status})


if __name__ == "__main__":
    main()
