"""What is being minimised: safe parsing of typed losses, compiled NumPy losses, classic presets.

    from landscapes import compile_loss, InvalidExpression, PRESETS
    from landscapes import compile_dataset_loss, datasets       # losses that are means over data
"""
from .parse import InvalidExpression, parse
from .loss import Loss, compile_loss, loss_from_expr
from . import datasets
from .datasets import InvalidDataset
from .dataset_loss import DatasetLoss, compile_dataset_loss

__all__ = ["InvalidExpression", "Loss", "compile_loss", "loss_from_expr", "parse", "datasets",
           "InvalidDataset", "DatasetLoss", "compile_dataset_loss"]

try:  # presets and analysis are optional until their modules exist
    from .presets import PRESETS, Preset  # noqa: F401
    __all__ += ["PRESETS", "Preset"]
except ImportError:  # pragma: no cover
    pass
