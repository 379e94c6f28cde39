"""The tool's version, recorded in every form it writes."""

__version__ = "0.1.0"
