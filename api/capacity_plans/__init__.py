"""Capacity plans."""
