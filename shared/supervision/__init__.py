"""Supervision context (民主监督): topics and cases run in a closed loop by the worker."""
