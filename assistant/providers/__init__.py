"""Model providers Amends registers with litellm (today: the bundled local model, ``local/smollm2``)."""
