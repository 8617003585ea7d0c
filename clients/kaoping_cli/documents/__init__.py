"""Printed documents (`kaoping print`): model, charts, PDF and HTML writers, and the
notice, public notice and pay list built in them; the commands are in commands.py."""
from kaoping_cli.documents.commands import app  # noqa: F401
