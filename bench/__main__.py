"""Run every ``bench/bench_*.py`` module's ``main()`` (``python -m bench``)."""
import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    names = sorted(info.name for info in pkgutil.iter_modules([str(here)]) if info.name.startswith("bench_"))
    for name in names:
        print(f"== bench.{name}", flush=True)
        importlib.import_module(f"bench.{name}").main()
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
