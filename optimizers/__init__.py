"""How a loss is minimised: update rules, learning-rate schedules and the stepping engine.

>>> from optimizers import simulate, OPTIMIZERS, schedules, summarize
"""
from . import schedules
from .engine import DEFAULT_BOUND, Run, base_name, simulate
from .params import Param
from .rules import OPTIMIZERS, Optimizer
from .schedules import SCHEDULES
from .summary import RunSummary, summarize

__all__ = ["simulate", "Run", "base_name", "OPTIMIZERS", "Optimizer", "Param", "schedules",
           "SCHEDULES", "summarize", "RunSummary", "DEFAULT_BOUND"]
