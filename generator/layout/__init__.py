"""The form's layout, decided once from the model and drawn by every writer.

- :mod:`.form`: texts, columns, cells and their spans, row groups kept on one page,
  header blanks and the lines they wrap into, the footer with its seal area, typography;
- :mod:`.linebreak`: Chinese line breaking and the measure of printed text.

May import: :mod:`generator.model`.  Knows no file format.
"""
