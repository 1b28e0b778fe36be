"""Backends Flask-Caching keeps apart from the main ones (``flask_caching.contrib``).

Only :mod:`~erlen.ext.caching.contrib.uwsgicache` is provided: the Google Cloud Storage
backend needs a cloud service to test against and is left out.
"""
