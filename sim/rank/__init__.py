"""Rank candidate changes to a layout by the cross-institution meetings they add."""
