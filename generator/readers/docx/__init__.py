"""The Word reader: returned .docx/.docm forms read into the same results as the PDF reader.

- :mod:`.package`: the container layer — the few parts the reader needs, read safely from a file's bytes
  (zip bombs, encrypted and legacy files, DOCTYPEs and external entities refused with one Chinese
  sentence; .doc/.wps, .odt and .rtf flagged for conversion).

May import: :mod:`generator.model`, :mod:`generator.readers.results` and :mod:`generator.readers.scores`.
Knows nothing of reports.
"""
