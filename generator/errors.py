"""Errors meant for the user: their message is Chinese and complete."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; the command line prints it without a traceback."""

    exit_code = 1
