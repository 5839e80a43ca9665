"""Team deployment: sign-in modes, local accounts, teams and roles, and the audit log.

``config`` (which mode), ``accounts`` (Argon2 hashes, lock-out, sessions), ``permissions`` (the one
``require`` check), ``scoped`` (the store as one user may use it), ``audit`` (append-only rows),
``gate`` (the app's sign-in and page gates), ``commands`` (`amends users`, `amends audit`).
Importing this package imports nothing else, so `amends check` starts as fast as before.
"""
