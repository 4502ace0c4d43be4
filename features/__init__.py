"""Data contract, feature families and eligibility rules of asn-jobfit.

Importing this package does nothing: no I/O, no clock, no settings.
"""
