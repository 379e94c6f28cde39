"""The one document model: ``rubrics.toml`` loaded into immutable rubrics, and the contracts built on it.

- :mod:`.rubric`: rubric → item → sub-item → band, and the header and footer texts;
- :mod:`.loader`: the only code that parses ``rubrics.toml``, checking every rule;
- :mod:`.canonical`: the canonical serialisation of a rubric and its fingerprint;
- :mod:`.fields`: the field-naming contract between every writer and every reader;
- :mod:`.identity`: the metadata keys a written form names its rubric and version by.

May import: the standard library and :mod:`generator.errors`.  Everything else
in the package imports this, never the other way round.
"""
