"""Test helpers, one module per concept; test files import from here and never from each
other (conftest.py keeps only fixtures, built on these)."""
