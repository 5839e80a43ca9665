"""Model providers Amends registers with litellm (today the bundled ``local/smollm2``)."""
