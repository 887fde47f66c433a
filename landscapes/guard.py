"""Compile untrusted text under a CPU-time deadline, fairly, in a child process.

SymPy's work cannot be interrupted inside the process (a thread cannot stop big-integer or
assumption computations, and ``signal.alarm`` works only on the main thread, while Streamlit runs
scripts in worker threads). ``compile_loss_within`` therefore first compiles the text in a forked
child process and kills it at the deadline; only text that compiled there in time is compiled in
this process (the same deterministic work: the child shares the parent's state and hash seed).

What makes it hold a classroom:

- **CPU time, not wall time.** The deadline counts the child's own CPU time (user + system, read
  from ``/proc/<pid>/stat``; ``RLIMIT_CPU`` in the child is a backstop), so a loss that compiles
  in 1.5 s on an idle machine is not refused because other students' work slows it down. A wall
  cap (``WALL_FACTOR`` times the deadline, at least ``MIN_WALL_SECONDS``) stops a child that
  never gets the CPU; such a refusal is not remembered (it depends on the load).
- **A cap on children.** At most ``MAX_CHILDREN`` compile children run at once; the others wait
  in line (up to ``QUEUE_SECONDS``, then a "server busy" message that is not remembered).
- **Memory of outcomes.** Texts refused for being invalid or too slow are remembered (at most
  ``REMEMBER`` of them, oldest forgotten first) and refused again at once; texts accepted are
  remembered too, and compiled in-process without a new child (``compile_loss`` caches them).
- **Children die with the server.** The child asks the kernel for ``SIGKILL`` when its parent
  dies (``prctl(PR_SET_PDEATHSIG)``; Linux), even when the server itself is killed with SIGKILL,
  and closes every inherited file descriptor except its result pipe and stdio, so it never holds
  the server's listening socket (a restart on the same port works). Note: the kernel sends that
  signal when the *thread* that forked exits; the forking thread here always waits for its
  child, so the child is gone before that thread can end.
"""
from __future__ import annotations

import collections
import contextlib
import ctypes
import ctypes.util
import math
import os
import pickle
import resource
import select
import signal
import threading
import time

from .loss import Loss, compile_loss
from .parse import InvalidExpression

__all__ = ["compile_loss_within", "DEFAULT_SECONDS", "MAX_CHILDREN", "REMEMBER",
           "forget_outcomes"]

DEFAULT_SECONDS = 3.0          # CPU seconds a typed loss may take to compile
MAX_CHILDREN = max(1, os.cpu_count() or 1)
QUEUE_SECONDS = 60.0           # wait in line for a free child slot at most this long
WALL_FACTOR = 10.0             # last resort: a child that gets no CPU is stopped at this ...
MIN_WALL_SECONDS = 30.0        # ... multiple of the deadline, and never before this
REMEMBER = 512                 # outcomes remembered (per text), oldest forgotten first
POLL_SECONDS = 0.02

_PR_SET_PDEATHSIG = 1
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

_slots = threading.BoundedSemaphore(MAX_CHILDREN)
_lock = threading.Lock()
_refused: collections.OrderedDict[str, tuple] = collections.OrderedDict()
_accepted: collections.OrderedDict[str, None] = collections.OrderedDict()


def forget_outcomes() -> None:
    """Forget every remembered refusal and acceptance (tests; a new deadline)."""
    with _lock:
        _refused.clear()
        _accepted.clear()


def _remember(table: collections.OrderedDict, key: str, value) -> None:
    with _lock:
        table[key] = value
        table.move_to_end(key)
        while len(table) > REMEMBER:
            table.popitem(last=False)


def _recall(table: collections.OrderedDict, key: str):
    with _lock:
        if key not in table:
            return False, None
        table.move_to_end(key)
        return True, table[key]


def compile_loss_within(text: str, seconds: float = DEFAULT_SECONDS) -> Loss:
    """``compile_loss(text)``, or InvalidExpression if compiling takes more than ``seconds`` of
    the child's CPU time (or the text is invalid, or the server is too busy to try).

    This is the bounded entry point for untrusted text. Falls back to a plain ``compile_loss``
    where processes cannot be forked.
    """
    if not isinstance(text, str):
        raise InvalidExpression("the expression must be text")
    key = f"{float(seconds)!r}|{text.rstrip()}"
    known, outcome = _recall(_refused, key)
    if known:
        raise _rebuilt(*outcome, text)
    if _recall(_accepted, key)[0] or not hasattr(os, "fork"):
        return compile_loss(text)
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        raise InvalidExpression("the server is busy compiling other losses; try again in a "
                                "moment", text)
    try:
        outcome, lasting = _compile_in_child(text, seconds)
    finally:
        _slots.release()
    if outcome is not None:
        if lasting:
            _remember(_refused, key, outcome)
        raise _rebuilt(*outcome, text)
    _remember(_accepted, key, None)
    return compile_loss(text)


def _compile_in_child(text: str, seconds: float) -> tuple[tuple | None, bool]:
    """Run ``compile_loss(text)`` in a forked child: (None or (message, position, snippet),
    whether that outcome is the text's own, i.e. worth remembering)."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:   # the child: never returns
        _child(text, seconds, write_end, parent)
    os.close(write_end)
    try:
        return _await_child(pid, read_end, text, seconds)
    finally:
        os.close(read_end)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _child(text: str, seconds: float, write_end: int, parent: int) -> None:
    code = 0
    try:
        _die_with_parent(parent)
        # keep stdio and the result pipe; drop the rest (the server's listening socket above all)
        os.closerange(3, write_end)
        os.closerange(write_end + 1, _max_fd())
        cpu = max(1, math.ceil(seconds)) + 1    # backstop: the kernel's SIGXCPU / SIGKILL
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        try:
            compile_loss(text)
            outcome = None
        except InvalidExpression as exc:
            outcome = (str(exc), exc.position, exc.snippet)
        except Exception as exc:  # noqa: BLE001 - reported as a message by the parent
            outcome = (f"this expression could not be compiled ({type(exc).__name__})", None, "")
        data = pickle.dumps(outcome)
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view):]
    except BaseException:  # noqa: BLE001 - a child never returns into the parent's code
        code = 1
    finally:
        os._exit(code)


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux); if the parent is
    already gone, exit now."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _max_fd() -> int:
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ValueError, OSError):
        soft = 4096
    return soft if 0 < soft < 1 << 20 else 1 << 16


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far, from /proc (None where unreadable)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # after "pid (comm)": state is field 3, utime 14 and stime 15 (1-based, proc(5))
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _await_child(pid: int, read_end: int, text: str, seconds: float):
    too_slow = (f"the expression takes too long to differentiate (more than {seconds:g} s of "
                "computing): simplify it, e.g. smaller powers or less nesting", None, "")
    wall_cap = time.monotonic() + max(MIN_WALL_SECONDS, WALL_FACTOR * seconds)
    chunks = []
    while True:
        ready, _, _ = select.select([read_end], [], [], POLL_SECONDS)
        if ready:
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            continue
        cpu = _cpu_seconds(pid)
        if cpu is not None and cpu > seconds:
            return too_slow, True
        if time.monotonic() > wall_cap:
            return ("the server is too busy to compile this expression now; try again in a "
                    "moment", None, ""), False
    try:
        return pickle.loads(b"".join(chunks)), True
    except Exception:  # noqa: BLE001 - no answer: the child died (killed by RLIMIT_CPU, ...)
        _, status = _reap(pid)
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL):
            return too_slow, True
        return ("this expression could not be compiled", None, ""), False


def _reap(pid: int):
    try:
        return os.waitpid(pid, 0)
    except ChildProcessError:
        return pid, 0


def _rebuilt(message: str, position, snippet: str, text: str) -> InvalidExpression:
    """The child's InvalidExpression again (its message already carries the position)."""
    exc = InvalidExpression(message, text)
    exc.position, exc.snippet = position, snippet
    return exc
