"""Compile untrusted text under a CPU-time deadline, fairly, in a child process.

SymPy's work cannot be interrupted inside the process (a thread cannot stop big-integer or
assumption computations, and ``signal.alarm`` works only on the main thread, while Streamlit runs
scripts in worker threads). ``compile_loss_within`` therefore first compiles the text in a child
process (forked by a small fork server, ``landscapes._compile_server``, never by the
multi-threaded page server itself) and kills it at the deadline; only text that compiled there in
time is compiled in this process.

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
- **Children die with the server.** Children are forked by the fork server, a single-threaded
  process started by fork + exec with every other file descriptor closed (so neither it nor a
  child holds the listening socket: a restart on the same port works). It exits when its stdin,
  a pipe from the server, closes: when the server dies, even by SIGKILL. Each child asks the
  kernel for ``SIGKILL`` when the fork server dies (``prctl(PR_SET_PDEATHSIG)``).
"""
from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

from .dataset_loss import DatasetLoss, compile_dataset_loss, compile_symbolic
from .datasets import InvalidDataset
from .loss import Loss, compile_loss
from .parse import InvalidExpression

__all__ = ["compile_loss_within", "compile_dataset_loss_within", "DEFAULT_SECONDS", "MAX_CHILDREN", "REMEMBER",
           "forget_outcomes", "warm_up"]

DEFAULT_SECONDS = 3.0          # CPU seconds a typed loss may take to compile
MAX_CHILDREN = max(1, os.cpu_count() or 1)
QUEUE_SECONDS = 60.0           # wait in line for a free child slot at most this long
WALL_FACTOR = 10.0             # last resort: a child that gets no CPU is stopped at this ...
MIN_WALL_SECONDS = 30.0        # ... multiple of the deadline, and never before this
REMEMBER = 512                 # outcomes remembered (per text), oldest forgotten first
POLL_SECONDS = 0.02

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
    _checked_in_child(text, None, seconds)
    return compile_loss(text)


def compile_dataset_loss_within(text: str, data, seconds: float = DEFAULT_SECONDS) -> DatasetLoss:
    """``compile_dataset_loss(text, data)`` for untrusted text: its symbolic part (parsing, the
    derivatives, the polynomial form) is first compiled in a child under the same CPU-time
    deadline as ``compile_loss_within``, with the data's column names only; the data is never
    sent to the child.

    Raises InvalidExpression (the text) or InvalidDataset (the data: checked first).
    """
    if not isinstance(text, str):
        raise InvalidExpression("the expression must be text")
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise InvalidDataset("the data must be a dict of named columns")
    _checked_in_child(text, tuple(sorted(data)), seconds)
    return compile_dataset_loss(text, data)


def _checked_in_child(text: str, columns: tuple[str, ...] | None, seconds: float) -> None:
    """Return when ``text`` (with data ``columns``, or none) compiles in a child within
    ``seconds`` of CPU time (or was seen to before); raise InvalidExpression otherwise."""
    key = f"{float(seconds)!r}|{columns!r}|{text.rstrip()}"
    known, outcome = _recall(_refused, key)
    if known:
        raise _rebuilt(*outcome, text)
    if _recall(_accepted, key)[0] or not hasattr(os, "fork"):   # no fork: unbounded
        return
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        raise InvalidExpression("the server is busy compiling other losses; try again in a "
                                "moment", text)
    try:
        outcome, lasting = _compile_in_child(text, columns, seconds)
    finally:
        _slots.release()
    if outcome is not None:
        if lasting:
            _remember(_refused, key, outcome)
        raise _rebuilt(*outcome, text)
    _remember(_accepted, key, None)


class _Server:
    """Client of the fork server (``landscapes._compile_server``): started on first use with
    ``subprocess`` (fork + exec, file descriptors closed), one reader thread hands each reply to
    the request that waits for it."""

    def __init__(self):
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "landscapes._compile_server"], cwd=root, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True, start_new_session=False)
        self.lock = threading.Lock()
        self.next_id = 0
        self.waiting: dict[int, queue.SimpleQueue] = {}
        threading.Thread(target=self._read, daemon=True, name="guard-replies").start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                box = self.waiting.get(record.get("id"))
            if box is not None:
                box.put(record)
        with self.lock:                  # the fork server died: wake everybody
            for box in self.waiting.values():
                box.put({"dead": True})

    def alive(self) -> bool:
        return self.proc.poll() is None

    def submit(self, text: str, columns, seconds: float) -> tuple[int, queue.SimpleQueue]:
        with self.lock:
            self.next_id += 1
            rid = self.next_id
            box = self.waiting[rid] = queue.SimpleQueue()
            request = {"id": rid, "text": text, "seconds": seconds}
            if columns is not None:
                request["columns"] = list(columns)
            line = json.dumps(request) + "\n"
            self.proc.stdin.write(line.encode())
            self.proc.stdin.flush()
        return rid, box

    def done(self, rid: int) -> None:
        with self.lock:
            self.waiting.pop(rid, None)


_server: _Server | None = None
_server_lock = threading.Lock()


def _fork_server() -> _Server:
    """The running fork server, started if needed. Forking the page's server itself is unsafe:
    its other threads (other sessions) may hold the import lock or another lock at that moment,
    and a child that needs it hangs forever (seen: eight sessions at once, typed losses refused
    as "too busy")."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            _server = _Server()
        return _server


def warm_up() -> None:
    """Start the fork server now (it takes a second or two: Python, NumPy and SymPy load)."""
    with contextlib.suppress(InvalidExpression):
        compile_loss_within("x^2 + 1", seconds=DEFAULT_SECONDS)


def _compile_in_child(text: str, columns, seconds: float) -> tuple[tuple | None, bool]:
    """Run ``compile_loss(text)`` in a child of the fork server: (None or (message, position,
    snippet), whether that outcome is the text's own, i.e. worth remembering)."""
    server = _fork_server()
    try:
        rid, box = server.submit(text, columns, seconds)
    except OSError:
        return ("the expression could not be checked now; try again in a moment", None, ""), False
    pid = None
    try:
        outcome, lasting, pid = _await_child(box, seconds)
        return outcome, lasting
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)     # a no-op when it has finished
            _until_ended(box)                    # the slot is free once the child is gone
        server.done(rid)


def _until_ended(box: queue.SimpleQueue, limit: float = 5.0) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            record = box.get(timeout=max(0.0, end - time.monotonic()))
        except queue.Empty:
            return
        if "status" in record or record.get("dead"):
            return


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` so far, from /proc (None where unreadable)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # after "pid (comm)": state is field 3, utime 14 and stime 15 (1-based, proc(5))
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _await_child(box: queue.SimpleQueue, seconds: float):
    """Wait for the child's outcome while its CPU time is within ``seconds``:
    (outcome, whether it is the text's own, the child's pid or None)."""
    too_slow = (f"the expression takes too long to differentiate (more than {seconds:g} s of "
                "computing): simplify it, e.g. smaller powers or less nesting", None, "")
    busy = ("the server is too busy to compile this expression now; try again in a moment",
            None, "")
    wall_cap = time.monotonic() + max(MIN_WALL_SECONDS, WALL_FACTOR * seconds)
    pid = None
    while True:
        try:
            record = box.get(timeout=POLL_SECONDS)
        except queue.Empty:
            record = {}
        if record.get("dead"):
            return busy, False, pid
        if "pid" in record:
            pid = record["pid"]
        if "outcome" in record:
            outcome = record["outcome"]
            return (None if outcome is None else tuple(outcome)), True, pid
        if "status" in record:           # ended without an outcome: killed (RLIMIT_CPU, ...)
            box.put(record)                  # seen again by _until_ended
            status = record["status"]
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU,
                                                                   signal.SIGKILL):
                return too_slow, True, pid
            return ("this expression could not be compiled", None, ""), False, pid
        cpu = _cpu_seconds(pid) if pid is not None else None
        if cpu is not None and cpu > seconds:
            return too_slow, True, pid
        if time.monotonic() > wall_cap:
            return busy, False, pid


def _rebuilt(message: str, position, snippet: str, text: str) -> InvalidExpression:
    """The child's InvalidExpression again (its message already carries the position)."""
    exc = InvalidExpression(message, text)
    exc.position, exc.snippet = position, snippet
    return exc
