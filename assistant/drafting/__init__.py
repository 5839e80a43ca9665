"""Drafting: incident facts to EARN parts and a composed recovery draft.

``model=None`` means the ``AMENDS_MODEL`` setting (default ``offline``: the deterministic offline
composer); ``local/smollm2`` is the bundled small model; anything else is a litellm model string.
Each is a :class:`Drafter`, chosen once by :func:`drafter_for`. Every draft passes through the
validation net (``assistant.drafting.net``) and is ``ready`` or ``rejected`` with reasons; facts
are reviewed first (:func:`review_form` for the Draft page's form as typed). Importing this package
does not import litellm.
"""

from assistant.drafting.drafters import Drafter, drafter_for
from assistant.drafting.engine import compose, draft, generate_part
from assistant.drafting.facts import review_facts, review_form
from assistant.drafting.revise import Revision, revise

__all__ = [
    "Drafter",
    "Revision",
    "compose",
    "draft",
    "drafter_for",
    "generate_part",
    "review_facts",
    "review_form",
    "revise",
]
