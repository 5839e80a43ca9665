"""The promise ledger: commitments from approved drafts, tracked until they are done.

``extract`` finds the commitments of a draft (its Rebuild plan, or its sentences), ``entries``
checks what a person confirms or closes and sorts entries by urgency, ``export`` writes them for
calendars and spreadsheets, and ``command`` is ``amends ledger``. Rows live in
``assistant.storage``; the records are ``assistant.ledger_models``.
"""
