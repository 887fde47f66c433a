"""What is being minimised: safe parsing of typed losses, compiled NumPy losses, classic presets.

    from landscapes import compile_loss, InvalidExpression, PRESETS
"""
from .parse import InvalidExpression, parse
from .loss import Loss, compile_loss, loss_from_expr

__all__ = ["InvalidExpression", "Loss", "compile_loss", "loss_from_expr", "parse"]

try:  # presets and analysis are optional until their modules exist
    from .presets import PRESETS, Preset  # noqa: F401
    __all__ += ["PRESETS", "Preset"]
except ImportError:  # pragma: no cover
    pass
