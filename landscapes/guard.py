"""Compile untrusted text with a deadline.

SymPy's work cannot be interrupted inside the process (a thread cannot stop big-integer or
assumption computations, and ``signal.alarm`` works only on the main thread, while Streamlit runs
scripts in worker threads). ``compile_loss_within`` therefore first compiles the text in a forked
child process and kills it at the deadline; only text that compiled there in time is compiled in
this process (the same deterministic work: the child shares the parent's state and hash seed).
"""
from __future__ import annotations

import multiprocessing

from .loss import Loss, compile_loss
from .parse import InvalidExpression

__all__ = ["compile_loss_within", "DEFAULT_SECONDS"]

DEFAULT_SECONDS = 3.0


def _child(text: str, conn) -> None:
    try:
        compile_loss(text)
        conn.send(None)
    except InvalidExpression as exc:
        conn.send((str(exc), exc.position, exc.snippet))
    except Exception as exc:  # noqa: BLE001 - reported as a message by the parent
        conn.send((f"this expression could not be compiled ({type(exc).__name__})", None, ""))
    finally:
        conn.close()


def compile_loss_within(text: str, seconds: float = DEFAULT_SECONDS) -> Loss:
    """``compile_loss(text)``, or InvalidExpression if compiling takes longer than ``seconds``.

    Falls back to a plain ``compile_loss`` where processes cannot be forked.
    """
    if not isinstance(text, str):
        raise InvalidExpression("the expression must be text")
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:   # no fork on this platform
        return compile_loss(text)
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(text, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(seconds):
            child.kill()
            raise InvalidExpression(f"the expression takes too long to differentiate (more "
                                    f"than {seconds:g} s): simplify it, e.g. smaller powers or "
                                    "less nesting", text)
        try:
            outcome = receive.recv()
        except EOFError:   # the child died without an answer
            outcome = ("this expression could not be compiled", None, "")
    finally:
        receive.close()
        child.join(timeout=1)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome is not None:
        message, position, snippet = outcome
        raise _rebuilt(message, text, position, snippet)
    return compile_loss(text)


def _rebuilt(message: str, text: str, position, snippet: str) -> InvalidExpression:
    """The child's InvalidExpression again (its message already carries the position)."""
    exc = InvalidExpression(message, text)
    exc.position, exc.snippet = position, snippet
    return exc
