"""Fixtures of the training tests.

``tiny_config``, ``ruleset`` and ``training_data`` (the small export's ranking rows) live in
``tests/conftest.py``: the in-memory ``ranker`` of the serving tests is trained on them too.
"""
