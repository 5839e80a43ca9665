"""The learned sentence model: a static encoder plus n-gram features, with linear heads per label.

Kept apart from the rules so it can be retrained as the labelled data improves (``amends train``);
inference needs only numpy, ``tokenizers`` and ``safetensors`` (no torch, no download).
"""
