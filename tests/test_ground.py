"""The repository's ground rules: the README's commands are the ones CI runs."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme.split("```")[1]
    assert ci.strip().splitlines()[-1] == "make test"


def test_requirements_name_the_fixed_stack():
    names = {line.split(">")[0].split("=")[0].strip()
             for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")}
    assert names == {"streamlit", "numpy", "plotly", "sympy"}
