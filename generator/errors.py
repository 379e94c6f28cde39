"""Errors meant for the user: their message is Chinese and complete."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; the command line prints it without a traceback."""

    exit_code = 1


class UsageError(UserError):
    """The command line asks for something impossible: exit code 2, as for argparse's own errors."""

    exit_code = 2
