"""compile_loss_within: untrusted text is compiled in a child first and abandoned at a deadline."""
import pytest

from landscapes import InvalidExpression, compile_loss
from landscapes.guard import compile_loss_within


@pytest.mark.timeout(60)
def test_an_expression_sympy_never_finishes_is_refused_at_the_deadline():
    # SymPy's assumption queries on asin(x)^1000 run for minutes (found by fuzzing)
    with pytest.raises(InvalidExpression, match="takes too long"):
        compile_loss_within("tanh(asin(x)^1000)", seconds=1.0)


def test_a_normal_expression_compiles_to_the_same_loss():
    loss = compile_loss_within("x^2 + 10*y^2")
    assert loss is compile_loss("x^2 + 10*y^2")          # the cached in-process compile
    assert loss.gradient([[1.0, 2.0]]).tolist() == [[2.0, 40.0]]


def test_the_childs_message_and_position_come_back():
    with pytest.raises(InvalidExpression) as info:
        compile_loss_within("x + sn(y)")
    assert "did you mean 'sin'" in str(info.value)
    assert info.value.position == 4 and info.value.snippet == "sn"


# ---------------------------------------------------------------------- fair under load (issue 7)

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from landscapes import guard

ROOT = Path(__file__).resolve().parents[1]
SLOW = "tanh(asin(x)^1000)"      # SymPy's assumption queries on it run for minutes


def _descendants(pid: int | None = None) -> set[int]:
    """Pids of the live descendants of ``pid`` (default: this process), from /proc."""
    found, todo = set(), [pid or os.getpid()]
    while todo:
        parent = todo.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                kids = {int(p) for p in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return {p for p in found if _state(p) not in ("Z", "gone")}


def _children() -> set[int]:
    """Compile children now running below this process (the fork server started already)."""
    guard.warm_up()
    return _descendants()


def _in_thread(func, *args):
    box = {}

    def run():
        try:
            box["value"] = func(*args)
        except BaseException as exc:   # noqa: BLE001 - handed to the test
            box["error"] = exc
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


@pytest.fixture(autouse=False)
def fresh_guard():
    guard.forget_outcomes()
    yield
    guard.forget_outcomes()


@pytest.mark.timeout(120)
def test_the_deadline_counts_the_childs_cpu_time_not_wall_time(fresh_guard):
    # Stand-in for a loaded machine: the child is stopped (it gets no CPU) for 2.5 s of wall
    # time, over the 1 s deadline; the compile itself needs well under 1 s of CPU.
    text = ("(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))*(31 + (2*x - 3*y)^2"
            "*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))")
    before = _children()
    thread, box = _in_thread(guard.compile_loss_within, text, 1.0)
    child = None
    for _ in range(2000):
        new = _children() - before
        if new:
            child = new.pop()
            break
        time.sleep(0.001)
    assert child is not None, "no compile child appeared"
    os.kill(child, signal.SIGSTOP)
    time.sleep(2.5)
    os.kill(child, signal.SIGCONT)
    thread.join(60)
    assert "error" not in box, box.get("error")
    assert box["value"].variables == ("x", "y")
    x, y = 0.5, -0.25      # the same formula in plain Python
    expected = ((1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))
                * (31 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2)))
    assert box["value"].value([[x, y]])[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.timeout(120)
def test_at_most_max_children_compile_at_once_the_rest_wait(fresh_guard, monkeypatch):
    monkeypatch.setattr(guard, "_slots", threading.BoundedSemaphore(1))
    before = _children()
    texts = [f"tanh(asin(x)^{n})" for n in (1000, 1001, 1002)]     # each slow, all different
    runs = [_in_thread(guard.compile_loss_within, t, 0.5) for t in texts]
    most, crowd = 0, set()
    while any(thread.is_alive() for thread, _ in runs):
        now = _descendants() - before
        if len(now) > most:
            most, crowd = len(now), {(p, _state(p), _cmd(p)[:60]) for p in now}
        time.sleep(0.005)
    assert most == 1, crowd
    for _, box in runs:
        assert isinstance(box.get("error"), InvalidExpression)
        assert "takes too long" in str(box["error"])


@pytest.mark.timeout(120)
def test_a_refused_text_is_remembered_and_not_compiled_again(fresh_guard, monkeypatch):
    forks = []
    real = guard._compile_in_child
    monkeypatch.setattr(guard, "_compile_in_child",
                        lambda *args: forks.append(1) or real(*args))
    for _ in range(3):
        with pytest.raises(InvalidExpression, match="takes too long"):
            compile_loss_within(SLOW, seconds=0.5)
    for _ in range(3):
        with pytest.raises(InvalidExpression, match="did you mean 'sin'") as info:
            compile_loss_within("x + sn(y)")
        assert info.value.position == 4
    for _ in range(3):
        compile_loss_within("x^2 + 3*y^2 + x*y")
    assert len(forks) == 3       # one child per text, whatever the reruns


def test_the_memory_of_outcomes_is_bounded(fresh_guard, monkeypatch):
    monkeypatch.setattr(guard, "REMEMBER", 3)
    for k in range(6):
        with pytest.raises(InvalidExpression):
            compile_loss_within(f"x + sn{k}(y)")
    assert len(guard._refused) == 3


_SERVER = r"""
import socket, sys, threading
sys.path.insert(0, sys.argv[2])
from landscapes.guard import compile_loss_within
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", int(sys.argv[1])))
server.listen()
def work():
    try:
        compile_loss_within("tanh(asin(x)^1000)", seconds=120)
    except Exception:
        pass
threading.Thread(target=work, daemon=True).start()   # compiles in a thread, as Streamlit does
print("listening", flush=True)
threading.Event().wait()
"""


@pytest.mark.timeout(120)
def test_children_die_with_a_killed_server_and_free_its_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", _SERVER, str(port), str(ROOT)],
                              stdout=subprocess.PIPE, text=True)
    child = None
    try:
        assert server.stdout.readline().strip() == "listening"
        below = set()
        for _ in range(3000):       # the fork server (fork + exec, loads SymPy), then the child
            below = _descendants(server.pid)
            if len(below) >= 2 or (below and not _fork_server_layout()):   # server + child
                break
            time.sleep(0.01)
        assert below, "the server started no compile child"
        child = max(below)
        time.sleep(0.5)                            # the child is busy in SymPy by now
        server.kill()                              # SIGKILL: no cleanup code runs
        server.wait()
        for _ in range(1000):                      # the kernel kills the orphans
            if not any(_state(p) not in ("Z", "gone") for p in below):
                break
            time.sleep(0.01)
        alive = [p for p in below if _state(p) not in ("Z", "gone")]
        assert not alive, f"processes of the server outlived it: {[(p, _cmd(p)) for p in alive]}"
        with socket.socket() as again:             # a new server binds the same port
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            again.listen()
    finally:
        server.kill()
        server.wait()
        for pid in below if child is not None else ():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _fork_server_layout() -> bool:
    return hasattr(guard, "_fork_server")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _cmd(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return "gone"
