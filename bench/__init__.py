"""Benchmarks (``make bench``): each module here with a ``main()`` prints figures and ratios."""
