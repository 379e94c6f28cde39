"""The form's layout, decided once from the model and drawn by every writer.

- :mod:`.form`: the whole layout of one form (:class:`~.form.FormLayout`), assembled;
- :mod:`.parts`: its vocabulary: typography, blanks, cells, page tables, the footer block;
- :mod:`.table`: cell lines, row heights, and the cut into pages (with ``（续）`` cells);
- :mod:`.blocks`: the heading's and the footer's lines of blanks, sized for real values;
- :mod:`.linebreak`: Chinese line breaking and the measure of printed text.

May import: :mod:`generator.model`.  Knows no file format.
"""
