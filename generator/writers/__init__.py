"""Writers: a :class:`~generator.layout.form.FormLayout` rendered as a file.

- :mod:`.docx`: the print-ready, fillable Word form (python-docx);
- :mod:`.pdf`: the fillable AcroForm PDF (reportlab), and pre-filling it;
- :mod:`.forms`: every rubric's forms built into one folder.

May import: :mod:`generator.layout`, :mod:`generator.model` and the shared
modules at the top of :mod:`generator`.  Never a reader, a report or a command.
"""
