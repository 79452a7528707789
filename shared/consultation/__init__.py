"""Consultation context (协商): the 115 tiers, suggestions, reports and instructions."""
