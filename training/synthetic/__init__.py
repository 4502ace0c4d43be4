"""Synthetic personnel exports in the data contract's format (docs/synthetic-data.md)."""

from training.synthetic.writer import generate_export

__all__ = ["generate_export"]
