"""Compiled (Cython) implementations of the hot paths; built from ``ext/``."""
