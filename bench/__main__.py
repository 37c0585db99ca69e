"""`python -m bench …` from a source checkout (or `make bench`): the benchmark runner, bench/run.py.

A developer tool beside the product, not a command of the installed `budget-search`.
"""

from bench.run import main

main()
