"""Amends: draft and check recovery communications against the EARN method.

The scoring path (``assistant.scoring``) imports neither litellm nor streamlit,
so ``amends check`` starts fast and the app can re-score on every edit.
"""

__version__ = "0.1.0"
