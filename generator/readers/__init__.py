"""Readers: every kind of return read into the same :class:`~generator.readers.results.FormResult`.

- :mod:`.returns`: which reader a file needs, and the one entry point per file;
- :mod:`.formats`: what kind of file a return is, from its first bytes;
- :mod:`.pdf`: returned PDF forms (pypdf; :mod:`.pdf.ending` finds where a PDF really ends);
- :mod:`.docx`: returned Word forms (.docx, .docm), read from their XML, never run;
- :mod:`.convert`: .doc, .wps, .rtf and .odt converted to .docx by LibreOffice, one process per batch;
- :mod:`.identify`: which rubric, and which version of it, a return was made from;
- :mod:`.evaluate`: field values checked and totalled against the rubric, whatever the format;
- :mod:`.scores`: how a typed score is parsed and checked;
- :mod:`.results`: the per-form result every report is built from;
- :mod:`.files`: what an input path is before it is read (pipes, devices and broken links are reported,
  never opened), reading a regular file safely, and file names as people read them;
- :mod:`.inputs`, :mod:`.batch`, :mod:`.limits`: the files of a run, read in bounded worker processes.

May import: :mod:`generator.model`, :mod:`generator.layout` and the shared modules
at the top of :mod:`generator`.  Never a writer, a report or a command.
"""
