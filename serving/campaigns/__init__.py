"""Rotation campaigns: fill many vacancies at once, optimally, fairly and explained.

A campaign takes a set of open positions (listed, or every vacancy of one agency), scores each
against its eligible candidates with the champion ranker (the same features and rules as a
shortlist), and assigns people so that the *total* predicted fit is highest while nobody is
placed twice (:mod:`serving.assignment`). The committee decides; a campaign is a proposal.

One module per concern, each importing only the ones above it in this list:

- ``models``: options, the report and its parts (scopes, chain links, reasons as codes with
  parameters), errors;
- ``scoring``: scoring one vacancy against its pool (``RankerScorer`` and its cache);
- ``planning``: the scope, the rounds, chains, staffing, binding constraints, why a vacancy
  stays open, the fairness audit;
- ``rendering``: the report in words (text, CSV, PDF), through the message catalogue
  (``features/locales/<lang>/campaign.yaml``);
- ``storage``: stored reports (``schema_version``) and the reader of older ones;
- ``service``: run, authorize, store and read a campaign over the runtime and the database
  (no HTTP), and the CLI.

Importing the package imports none of them.
"""
