"""JPT selections: open selection (seleksi terbuka) and job-fit (uji kesesuaian) by a panel.

``rules`` reads the stages from agency policy; ``service`` opens a selection, forms the panel,
registers candidates, records declarations and stage results, announces stages, proposes the
three names and records the PPK's answer, each with its audit entry; ``standing`` computes the
panel's ranking and sets the model's fit beside it (never inside it).
"""
