"""Untrusted text: hostile and malformed inputs are refused with a message that says what and
where, and nothing in them is ever executed.

Every expected position below is counted by hand from the string (1-based, as the message
shows it); ``err.position`` is the same place 0-based.
"""
from __future__ import annotations

import ast
import builtins
import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy
import sympy.parsing.sympy_parser as sympy_parser

from landscapes import InvalidExpression, compile_loss
from landscapes.parse import parse

ROOT = Path(__file__).resolve().parents[1]


def case(text, fragment, position=None, id=None):
    return pytest.param(text, fragment, position, id=id or repr(text)[:40])


# (text, a piece the message must contain, 1-based position or None where there is no place)
HOSTILE = [
    # --- syntax ---------------------------------------------------------------------------------
    case("(x + 1", "unclosed '('", 1),
    case("((x)", "unclosed '('", 1),
    case("x*(y + (x - 1)", "unclosed '('", 3),
    case("x + 1)", "unmatched ')'", 6),
    case("x)(", "unmatched ')'", 2),
    case("x +", "ends too early", 4),
    case("x^", "ends too early", 3),
    case("sin(x) -", "ends too early", 9),
    case("* x", "a term is missing before '*'", 1),
    case("x+*y", "a term is missing before '*'", 3),
    case("x / / y", "a term is missing before '/'", 5),
    case("", "empty", None),
    case("   ", "empty", None),
    case("\n\t  \r\n", "empty", None),
    case("1 2", "two numbers in a row", 3),
    case("x^2 3", "two numbers in a row", 5),
    case(",", "a term is missing before ','", 1),
    case("x, y", "unexpected ','", 2),
    case("()", "a term is missing before ')'", 2),
    case("sin()", "sin() needs an argument", 1),
    case("max(x,)", "a term is missing before ')'", 7),
    case("2 + 3", "no variable", None),
    case("pi*e", "no variable", None),
    # --- unknown functions, with a suggestion where one is close ------------------------------
    case("sn(x)", "unknown function 'sn': did you mean 'sin'?", 1),
    case("cosh2(x)", "unknown function 'cosh2': did you mean 'cosh'?", 1),
    case("x + sqr(y)", "unknown function 'sqr': did you mean 'sqrt'?", 5),
    case("factorial(10^10)", "unknown function 'factorial'", 1),
    case("gamma(x)", "unknown function 'gamma'", 1),
    case("x(y+1)", "unknown function 'x': for a product write x*(...)", 1),
    case("pi(x+1)", "unknown function 'pi'", 1),
    # --- attribute access, subscripts, strings --------------------------------------------------
    case("x.__class__", "attribute access", 2),
    case("().__class__.__mro__", "attribute access", 3),
    case("x.real", "attribute access", 2),
    case("sin.__globals__", "attribute access", 4),
    case("numpy.sin(x)", "'numpy' is a reserved name", 1),
    case("os.system('ls')", "attribute access", 3),
    case("x[0]", "subscripts", 2),
    case("x + y[::-1]", "subscripts", 6),
    case("'a'", "strings are not allowed", 1),
    case('"x"', "strings are not allowed", 1),
    case("x + 'y'", "strings are not allowed", 5),
    # --- lambdas, comprehensions, dunder names ---------------------------------------------------
    case("lambda: 1", "'lambda' is a Python keyword", 1),
    case("(lambda x: x)(1)", "'lambda' is a Python keyword", 2),
    case("[x for x in y]", "subscripts and lists", 1),
    case("(x for x in y)", "'for' is a Python keyword", 4),
    case("{x: 1}", "sets and dictionaries", 1),
    case("{x}", "sets and dictionaries", 1),
    case("__import__('os').system('touch /tmp/pwned')", "names may not start with '_'", 1),
    case("__builtins__", "names may not start with '_'", 1),
    case("_x", "names may not start with '_'", 1),
    case("x + __class__", "names may not start with '_'", 5),
    # --- calls of names that are not whitelisted ------------------------------------------------
    case("eval('1')", "unknown function 'eval'", 1),
    case("exec('x')", "unknown function 'exec'", 1),
    case("open('f')", "unknown function 'open'", 1),
    case("getattr(x, 'y')", "unknown function 'getattr'", 1),
    case("compile(x)", "unknown function 'compile'", 1),
    case("globals()", "unknown function 'globals'", 1),
    case("x + vars ()", "unknown function 'vars'", 5),
    case("sympify(x)", "unknown function 'sympify'", 1),
    # --- Python keywords --------------------------------------------------------------------------
    case("import os", "'import' is a Python keyword", 1),
    case("x if y else 1", "'if' is a Python keyword", 3),
    case("not x", "'not' is a Python keyword", 1),
    case("x and y", "'and' is a Python keyword", 3),
    case("x or y", "'or' is a Python keyword", 3),
    case("None", "'None' is a Python keyword", 1),
    case("True", "'True' is a Python keyword", 1),
    case("x + yield", "'yield' is a Python keyword", 5),
    # --- assignment, walrus, comparisons, other operators --------------------------------------
    case("x = 1", "assignments and comparisons", 3),
    case("(y := 2)", "':' is not allowed", 4),
    case("x == y", "assignments and comparisons", 3),
    case("x < y", "comparisons are not allowed", 3),
    case("x >= y", "comparisons are not allowed", 3),
    case("x; y", "only one expression", 2),
    case("x \\ y", "backslashes", 3),
    case("x @ y", "'@' is not supported", 3),
    case("x % y", "'%' is not supported", 3),
    case("x // y", "floor division '//'", 3),
    case("x!", "factorials are not supported", 2),
    case("|x|", "write abs(...)", 1),
    case("~x", "'~' is not supported", 1),
    case("x & y", "'&' is not supported", 3),
    case("x # comment", "comments are not allowed", 3),
    case("`x`", "backticks", 1),
    case("x + $y", "'$' is not allowed", 5),
    case("x?", "'?' is not allowed", 2),
    # --- more than two variables, reserved and long names --------------------------------------
    case("a + b + c", "Descent draws losses of one or two variables; found a, b, c", 9),
    case("x*y*z*w", "Descent draws losses of one or two variables; found w, x, y, z", 5),
    case("less*x", "'less' is a reserved name", 1),
    case("range + x", "'range' is a reserved name", 1),
    case("x + nan", "'nan' is a reserved name", 5),
    case("print*y", "'print' is a reserved name", 1),
    case("a" * 30 + " + x", "names are at most 24 characters", 1),
    case("x + " + "w" * 1000, "too long", None),
    # --- non-ASCII junk, NUL bytes ---------------------------------------------------------------
    case("x + \u2603", "unexpected character", 5),
    case("\u03b8^2", "unexpected character", 1),
    case("x\x00", "unexpected character", 2),
    case("\x00__import__('os')", "unexpected character", 1),
    case("x\u00b2", "unexpected character", 2),                    # superscript two
    case("x + \u0663", "unexpected character", 5),                 # Arabic-Indic digit three
    case("x + \u0663.5", "unexpected character", 5),
    case("x\u200b+ 1", "unexpected character", 2),                 # zero-width space
    case("\uff45\uff56\uff41\uff4c('1')", "unexpected character", 1),  # fullwidth 'eval'
    case("\U0001d41e\U0001d42f\U0001d41a\U0001d425(x)", "unexpected character", 1),  # bold 'eval'
    case("x\ufeff", "unexpected character", 2),                    # byte-order mark
    # --- deep nesting and too many terms ---------------------------------------------------------
    # at most 20 levels: the 21st '(' (or sign, or '^') is where the message points
    case("(" * 200 + "x" + ")" * 200, "nested too deeply (more than 20 levels)", 21),
    case("-" * 100 + "x", "nested too deeply", 21),
    case("-" * 500 + "x", "too long", None),
    # the 21st '(' of "sin(sin(..." is the 4th character of the 21st "sin(": 4*21 = 84
    case("sin(" * 99 + "x" + ")" * 99, "nested too deeply", 84),
    # the 21st '^' of "x^x^x^..." is the 2nd character of the 21st "^x" after the first x: 1 + 2*20 + 1
    case("x" + "^x" * 30, "nested too deeply", 42),
    case("+".join(["x"] * 240), "more than 400 terms", None),
    # --- huge numbers and work that would not finish --------------------------------------------
    case("x + 9^9^9", "too large for floating point", 6),
    case("x*9**9**9", "too large for floating point", 4),
    case("x + ((9^9)^9999)^9999", "too large for floating point", 11),
    case("x + 10^400", "too large for floating point", 7),
    case("x + 1e400", "too large for floating point", 5),
    case("x + 123456789.0e301", "too large for floating point", 5),   # 1.2e309
    case("x + 1e-99999999", "exponent is too long", 5),
    case("x + " + "9" * 400, "too large for floating point", 5),
    case("x + 2^2^2^2^2^2", "too large for floating point", 8),     # 2^(2^16) at the 2nd '^'
    case("x + (2/3)^(10^6)", "too small for floating point", 10),
    case("x + (1+2^-100)^(2^62)", "too large to compute exactly", 15),
    case("x + (1+2^-100)^(2^20)", "too large to compute exactly", 15),
    case("x + sqrt(3)^(10^9)", "too large to compute exactly", 12),
    case("x + (2^(1/2))^(10^9)", "too large to compute exactly", 14),
    case("x + exp(log(3)*10^9)", "too large to compute exactly", 5),
    case("x + e^(10^9*log(3))", "too large to compute exactly", 6),
    case("x + sigmoid(10^9*log(3))", "too large to compute exactly", 5),
    case("(3x)^(10^9)", "too large to compute exactly", 5),
    case("(x*(1+2^-100))^(2^20)", "too large to compute exactly", 15),
    # coefficient 3^(640k) has 1015k bits: the 5th factor passes 4096 bits, at the 5th '*'
    case("x*3^640*3^640*3^640*3^640*3^640*3^640", "too large to compute exactly", 26),
    case("x + 2^(1/1000)", "small denominator", 6),
    # --- undefined and non-real constants -------------------------------------------------------
    case("x + 1/0", "division by zero", 6),
    case("x/(2 - 2)", "division by zero", 2),
    case("x + log(0)", "undefined", 5),
    case("x + 0^-1", "division by zero", 6),
    case("x + tan(pi/2)", "undefined", 5),
    case("x*sqrt(-1)", "not a real number", 3),
    case("x + log(-1)", "not a real number", 5),
    case("x + (-8)^(1/3)", "not a real number", 9),
    # --- functions without parentheses, wrong arity ---------------------------------------------
    case("sin x", "needs parentheses", 1),
    case("x + exp", "needs parentheses", 5),
    case("max(x)", "max() takes 2 arguments, got 1", 1),
    case("sin(x, y)", "sin() takes 1 argument, got 2", 1),
    case("min(x, y, 1)", "min() takes 2 arguments, got 3", 1),
    # --- derivatives too large to compute quickly -----------------------------------------------
    case("".join(f"(x+{i})" for i in range(1, 60)), "too complex to differentiate", None),
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text, fragment, position", HOSTILE)
def test_hostile_input_is_refused_with_what_and_where(text, fragment, position):
    with pytest.raises(InvalidExpression) as info:
        compile_loss(text)
    err = info.value
    message = str(err)
    assert isinstance(err, ValueError)
    assert fragment in message
    if position is None:
        assert "position" not in message
    else:
        assert f"position {position})" in message or f"position {position}:" in message
        assert err.position == position - 1
    assert err.text == text.rstrip()


def test_there_are_at_least_forty_kinds_of_hostile_input():
    assert len(HOSTILE) >= 40


def test_the_message_shows_the_offending_piece():
    with pytest.raises(InvalidExpression) as info:
        compile_loss("x + __import__('os')")
    assert info.value.snippet == "__import__"
    assert "'__import__'" in str(info.value)
    with pytest.raises(InvalidExpression) as info:
        compile_loss("cos(x) + sn(y)")
    assert info.value.snippet == "sn" and info.value.position == 9


def test_the_message_does_not_echo_the_whole_input():
    """A raw exception text can echo the whole transformed input; ours shows one piece only."""
    payload = "x + __import__('os').system('" + "A" * 200 + "')"
    with pytest.raises(InvalidExpression) as info:
        compile_loss(payload)
    assert "A" * 20 not in str(info.value)
    assert len(str(info.value)) < 200


@pytest.mark.timeout(10)
def test_positions_count_leading_space():
    with pytest.raises(InvalidExpression) as info:
        compile_loss("   x +")
    assert "position 7" in str(info.value) and info.value.position == 6
    with pytest.raises(InvalidExpression) as info:
        compile_loss("\tx.y  ")
    assert "position 3" in str(info.value)


@pytest.mark.timeout(10)
def test_length_limit_is_exact():
    at_limit = "x" + " " * 498 + "y"                       # 'x y': a product, 500 characters
    assert compile_loss(at_limit).variables == ("x", "y")
    over = "x" + " " * 499 + "y"
    with pytest.raises(InvalidExpression) as info:
        compile_loss(over)
    assert "501 characters; at most 500" in str(info.value)


@pytest.mark.parametrize("value", [None, 42, 1.5, b"x^2", ["x"], sympy.Symbol("x")])
def test_only_text_is_accepted(value):
    with pytest.raises(InvalidExpression, match="must be text"):
        compile_loss(value)
    with pytest.raises(InvalidExpression, match="must be text"):
        parse(value)


# The README promises at most 500 characters, 400 tree nodes and 20 levels of nesting; every
# level below is counted by hand: a '(' (alone or after a function name), a unary sign and the
# exponent of a '^' each open one.
DEPTH_20 = [
    "(" * 20 + "x" + ")" * 20,
    "-" * 20 + "x",
    "sin(" * 20 + "x" + ")" * 20,
    "x" + "^x" * 20,
    "sin(-(" * 6 + "x^-x" + "))" * 6,          # 6 * 3 levels, then '^' and '-': 20
    "max(y, (" * 10 + "x" + "))" * 10,         # 10 * 2 levels
]
DEPTH_21 = [          # (text, 1-based position of the opening of level 21)
    ("(" * 21 + "x" + ")" * 21, 21),
    ("-" * 21 + "x", 21),
    ("sin(" * 21 + "x" + ")" * 21, 84),
    ("x" + "^x" * 21, 42),
    ("sin(-(" * 6 + "x^-(x)" + "))" * 6, 40),  # 36 characters of 18 levels, then 'x^-(': the '('
    ("max(y, (" * 10 + "-x" + "))" * 10, 81),  # 10 * 8 characters, then the '-'
]


@pytest.mark.parametrize("text", DEPTH_20)
def test_twenty_levels_of_nesting_are_accepted(text):
    assert parse(text).variables in (("x",), ("x", "y"))


@pytest.mark.parametrize("text, position", DEPTH_21)
def test_twenty_one_levels_of_nesting_are_refused_where_the_21st_opens(text, position):
    with pytest.raises(InvalidExpression) as info:
        parse(text)
    assert "nested too deeply (more than 20 levels)" in str(info.value)
    assert info.value.position == position - 1


def test_names_and_terms_limits_are_exact():
    assert parse("a" * 24 + " + x").variables == ("a" * 24, "x")
    with pytest.raises(InvalidExpression, match="names are at most 24 characters"):
        parse("a" * 25 + " + x")
    # -x + x + ... with 200 x: 200 names, 199 '+' and one '-': 400 nodes
    assert parse("-" + "+".join(["x"] * 200)).variables == ("x",)
    # x + x + ... with 201 x: 201 names and 200 '+': 401 nodes
    with pytest.raises(InvalidExpression, match="more than 400 terms"):
        parse("+".join(["x"] * 201))


# --- nothing is executed -------------------------------------------------------------------------

def injection_payloads(tmp: Path) -> list[str]:
    target = tmp / "pwned"
    return [
        f"__import__('os').system('touch {target}')",
        f"x + __import__('os').system('touch {target}')",
        f"open('{target}','w')",
        f"open('{target}', 'w').write('x')",
        f"eval(\"open('{target}','w')\")",
        f"exec(\"open('{target}','w').write('x')\")",
        f"compile(\"open('{target}','w')\", 'f', 'exec')",
        f"().__class__.__base__.__subclasses__()[0]('{target}')",
        f"x.__class__.__init__.__globals__['os'].system('touch {target}')",
        f"getattr(__builtins__, 'open')('{target}', 'w')",
        f"__builtins__.open('{target}', 'w')",
        f"(lambda: open('{target}', 'w'))()",
        f"lambda: open('{target}','w')",
        f"[open('{target}','w') for x in y]",
        f"{{open('{target}','w'): 1}}",
        f"(open('{target}','w') for x in y)",
        f"x; import os; os.system('touch {target}')",
        f"import os; os.system('touch {target}')",
        f"x if os.system('touch {target}') else y",
        f"(y := open('{target}', 'w'))",
        f"sympify(\"open('{target}','w')\")",
        f"S(\"open('{target}','w')\")",
        f"x + __import__('pathlib').Path('{target}').touch()",
        f"__import__('subprocess').run(['touch', '{target}'])",
        f"\uff4f\uff50\uff45\uff4e('{target}','w')",            # fullwidth 'open' (NFKC)
        f"\uff45\uff56\uff41\uff4c(\"open('{target}','w')\")",   # fullwidth 'eval'
        f"x + \x00__import__('os').system('touch {target}')",
        f"x + \\x5f\\x5fimport\\x5f\\x5f('os').system('touch {target}')",
        "sin(x) + breakpoint()",
        f"x + print(open('{target}','w'))",
        "x*y + type('', (), {})",
        "__import__('antigravity')",
        "__import__('this')",
        "__import__('webbrowser').open('http://example.com')",
        "__import__('turtle')",
        "__import__('tkinter')",
        "__import__('ctypes')",
        "__import__('pty').spawn('sh')",
        "__import__('smtplib')",
        "x + __import__('ftplib')",
        "importlib.import_module('this')",
    ]


NEVER_IMPORTED = ["antigravity", "this", "webbrowser", "turtle", "tkinter", "pty", "smtplib",
                  "ftplib", "ctypes", "subprocess", "pathlib", "socket", "http.server"]


@pytest.mark.timeout(60)
def test_injection_attempts_create_no_file_and_import_no_module(tmp_path):
    payloads = injection_payloads(tmp_path)
    absent = [m for m in NEVER_IMPORTED if m not in sys.modules]
    assert {"antigravity", "this", "turtle"} <= set(absent)   # enough to prove something
    for text in payloads:                     # first pass: any legitimate lazy import happens
        with pytest.raises(InvalidExpression):
            compile_loss(text)
    before = set(sys.modules)
    for text in payloads:
        with pytest.raises(InvalidExpression):
            compile_loss(text)
    assert set(sys.modules) - before == set()
    assert [m for m in absent if m in sys.modules] == []
    assert not (tmp_path / "pwned").exists()
    assert list(tmp_path.iterdir()) == []


class Recorder:
    """Stand-ins for the functions that evaluate text: record every call, then pass through
    (so that SymPy's own legitimate uses keep working) or refuse."""

    def __init__(self, monkeypatch):
        self.calls: list[tuple[str, tuple]] = []
        original_eval, original_exec = builtins.eval, builtins.exec
        original_sympify = sympy.sympify

        def record(name, original):
            def stand_in(*args, **kwargs):
                self.calls.append((name, args))
                return original(*args, **kwargs)
            return stand_in

        def refuse(name):
            def stand_in(*args, **kwargs):
                self.calls.append((name, args))
                raise AssertionError(f"{name} called with {args!r:.200}")
            return stand_in

        monkeypatch.setattr(builtins, "eval", record("eval", original_eval))
        monkeypatch.setattr(builtins, "exec", record("exec", original_exec))
        monkeypatch.setattr(sympy, "sympify", record("sympify", original_sympify))
        # every sympify of a string goes through parse_expr (imported inside sympify at call
        # time), and parse_expr through eval_expr and stringify_expr: none may run
        for name in ("parse_expr", "eval_expr", "stringify_expr"):
            monkeypatch.setattr(sympy_parser, name, refuse(name))

    def by(self, name):
        return [args for n, args in self.calls if n == name]


def is_lambdify_exec(args) -> bool:
    """lambdify's own exec calls: its generated code (compiled under a '<lambdifygenerated-N>'
    file name) and the one-line imports of printer modules ('from numpy import sin')."""
    code = args[0]
    if hasattr(code, "co_filename"):
        return code.co_filename.startswith("<lambdifygenerated-")
    if isinstance(code, str):
        return re.fullmatch(r"(from [\w.]+ import [\w*]+|import \w+(; from [\w.]+ import \*)*)",
                            code) is not None
    return False


@pytest.mark.timeout(120)
def test_compile_never_evaluates_the_text(monkeypatch, tmp_path):
    """eval/exec/sympify/parse_expr are never given the text, valid or not.

    exec runs only lambdify's generated code; sympify never gets a string; parse_expr and its
    helpers (what sympify uses on strings) never run.
    """
    # unique texts, so that compile_loss's cache cannot hide the work
    valid = ["2x^2 + 3 sin(y) - 0.137", "(1 - w)^2 + 100 (theta - w^2)^2 + 0.00731",
             "sigmoid(x) relu(y) + max(x, y) - abs(x) + 0.00319", "ln(x)^2 + log10(y) + 0.00511",
             "e^x - pi*x + sqrt(x^2 + y^2 + 1) + 0.0093"]
    recorder = Recorder(monkeypatch)
    for text in valid:
        loss = compile_loss(text)
        loss.value([[0.5, 0.25]]), loss.gradient([[0.5, 0.25]]), loss.hessian([[0.5, 0.25]])
    hostile = injection_payloads(tmp_path) + [case.values[0] for case in HOSTILE]
    calls_before_hostile = len(recorder.calls)
    for text in hostile:
        with pytest.raises(InvalidExpression):
            compile_loss(text)
    monkeypatch.undo()

    assert recorder.by("parse_expr") == recorder.by("eval_expr") == []
    assert recorder.by("stringify_expr") == []
    assert recorder.by("eval") == []
    assert all(not isinstance(a, str) for args in recorder.by("sympify") for a in args)
    assert recorder.by("exec"), "the valid texts were compiled by lambdify"
    assert all(is_lambdify_exec(args) for args in recorder.by("exec"))
    for text in valid:                          # the text itself never reaches exec
        assert not any(isinstance(args[0], str) and text in args[0]
                       for args in recorder.by("exec"))
    assert recorder.calls[calls_before_hostile:] == [], "refused text evaluated something"
    assert not (tmp_path / "pwned").exists()


# builtins called by name, and SymPy entry points that parse strings, called as attributes
FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "getattr", "sympify", "parse_expr",
                   "S", "lambdastr"}
FORBIDDEN_ATTRIBUTES = {"eval", "exec", "sympify", "parse_expr", "S", "lambdastr",
                        "import_module", "__import__"}


@pytest.mark.parametrize("module", ["parse.py", "loss.py"])
def test_source_never_calls_an_evaluator(module):
    """Static check: the parser and compiler contain no call of anything that evaluates text
    (lambdify's exec of its own generated code is the only evaluation, inside SymPy)."""
    tree = ast.parse((ROOT / "landscapes" / module).read_text())
    names, attributes = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name):
                names.add(node.func.id)
            elif isinstance(node.func, ast.Attribute):
                attributes.add(node.func.attr)
    assert names & FORBIDDEN_NAMES == set()
    assert attributes & FORBIDDEN_ATTRIBUTES == set()


def test_variable_names_cannot_reach_generated_code_as_code():
    """lambdify writes the variable names into Python source: only identifiers that are not
    builtins, NumPy names or keywords get there."""
    for name in ["print", "open", "exec", "eval", "sin", "exp", "select", "where", "numpy",
                 "builtins", "range", "inf", "e", "pi", "lambda", "__class__", "_lambdify"]:
        try:
            loss = compile_loss(f"{name} + x")
        except InvalidExpression:
            continue
        # accepted only as a constant or a plain variable, never as a callable name
        assert name in ("e", "pi") and loss.variables == ("x",)
    # lambdify's common-subexpression names (x0, x1, ...) must not capture the user's x0, x1
    loss = compile_loss("x0*sin(x0 + x1)^2")
    pts = np.array([[0.3, -1.2], [2.0, 0.5]])
    expected = pts[:, 0] * np.sin(pts[:, 0] + pts[:, 1]) ** 2
    np.testing.assert_allclose(loss.value(pts), expected, rtol=1e-13)
    expected_grad = np.stack([np.sin(pts.sum(1)) ** 2 + pts[:, 0] * np.sin(2 * pts.sum(1)),
                              pts[:, 0] * np.sin(2 * pts.sum(1))], axis=-1)
    np.testing.assert_allclose(loss.gradient(pts), expected_grad, rtol=1e-12)



@pytest.mark.parametrize("text, name", [("relu(sqrt(-1-x^2))", "relu"),
                                        ("max(asin(2+x^2), y)", "max"),
                                        ("relu(log(-exp(x)))", "relu")])
def test_functions_of_arguments_real_nowhere_are_refused_with_a_position(text, name):
    with pytest.raises(InvalidExpression) as info:
        compile_loss(text)
    assert f"{name}() cannot take this argument" in str(info.value)
    assert "(at position 1:" in str(info.value)


@pytest.mark.parametrize("stage", ["parse", "loss"])
def test_sympy_failures_become_messages(monkeypatch, stage):
    """SymPy can fail on odd input (seen once in fuzzing: InconsistentAssumptions, a
    ValueError, from an assumption query whose outcome depended on the hash seed). Such a
    failure reaches the user as an InvalidExpression, without the raw exception text."""
    parse_module = importlib.import_module("landscapes.parse")
    loss_module = importlib.import_module("landscapes.loss")

    def boom(*args, **kwargs):
        raise ValueError("raw SymPy text 0xdeadbeef")
    if stage == "parse":        # where it was seen: an assumption query in _Builder.checked
        monkeypatch.setattr(parse_module._Builder, "checked", boom)
        text = "x + 0.271828"
    else:
        monkeypatch.setattr(loss_module, "_lambdify", boom)
        text = "x^2 + 0.314159 y"
    with pytest.raises(InvalidExpression) as info:
        compile_loss(text)
    assert "SymPy could not" in str(info.value)
    assert "deadbeef" not in str(info.value)


@pytest.mark.parametrize("text, position, suggestion", [
    ("x^2 + 3xy + y^2", 7, "did you mean 3*x*y?"),      # 'xy' starts at index 7, counted by hand
    ("x^2 + xy + y^2", 6, "did you mean x*y?"),
    ("ab + a^2 + b", 0, "did you mean a*b?"),
    ("x^2 + 2.5xyx + y", 9, "did you mean 2.5*x*y*x?"),    # 2.5 at 6-8, xyx from 9
])
def test_variables_written_together_suggest_their_product(text, position, suggestion):
    with pytest.raises(InvalidExpression) as err:
        parse(text)
    assert suggestion in str(err.value)
    assert err.value.position == position
    assert text[position:].startswith(err.value.snippet) and len(err.value.snippet) >= 2


def test_a_third_variable_that_is_not_two_others_written_together_is_named_as_before():
    with pytest.raises(InvalidExpression) as err:
        parse("x^2 + y^2 + z")
    assert "one or two variables; found x, y, z" in str(err.value)
    assert err.value.position == 12 and "did you mean" not in str(err.value)
