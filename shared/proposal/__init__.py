"""Proposals (提案): domain.md §6."""
