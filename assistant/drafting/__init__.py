"""Drafting: incident facts to EARN parts and a composed recovery draft.

``model=None`` means the ``AMENDS_MODEL`` setting (default ``offline``: the deterministic offline
composer); ``local/smollm2`` is the bundled small model; anything else is a litellm model string.
Importing this package does not import litellm.
"""

from assistant.drafting.engine import compose, draft, generate_part
from assistant.drafting.revise import Revision, revise

__all__ = ["Revision", "compose", "draft", "generate_part", "revise"]
