"""The machinery of compat mode (``erlen.compat``).

Importing this package or its modules changes nothing; importing ``erlen.compat`` turns
compat mode on. :mod:`erlen._compat.aliases` holds the alias table
(readable without turning anything on), :mod:`erlen._compat.finder` the import hook,
:mod:`erlen._compat.metadata` the distribution metadata for ``flask`` and ``werkzeug``; the
modules ``flask``, ``werkzeug``, ``werkzeug_wrappers`` and ``werkzeug_internal`` are what
``import flask``, ``import werkzeug``, ``import werkzeug.wrappers`` and ``import
werkzeug._internal`` give in compat mode.
"""
