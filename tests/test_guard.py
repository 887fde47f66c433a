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
