"""The database schema's history as Alembic revisions, shipped inside the package.

``assistant.storage`` runs them at start-up (:func:`assistant.migrations.runner.prepare`), so a
user's existing database is upgraded in place and a new one is created from the metadata and
stamped at head. Revision ids are fixed names (``0001_baseline``, ``0002_review_ledger``, ...)
so work done in parallel can chain onto them. Revisions use :mod:`.helpers`, which skip what
already exists, because start-up also creates any table declared on the metadata that no
revision has created yet.
"""
