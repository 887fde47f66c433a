"""Benchmarks: ``python -m bench`` runs the ``main()`` of every ``bench/bench_*.py`` module.

They print figures and ratios; they never pass or fail on time.
"""
