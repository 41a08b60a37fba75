"""The submission bundle: its schema, the energy arithmetic, safe reading, writing and validation.

Builds on `shared.method`; knows nothing of the store or the apps.
"""
