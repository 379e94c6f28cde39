"""Reports: a batch of results tabulated and written for the people who use them.

- :mod:`.duplicates`: the same applicant returned twice;
- :mod:`.tabulate`: one table per rubric and the problem list, shared by every output;
- :mod:`.workbook`, :mod:`.csv_tables`, :mod:`.html`: the .xlsx, the CSV files, the HTML report;
- :mod:`.cells`: values made safe for spreadsheets;
- :mod:`.outputs`: every output of a run written together;
- :mod:`.summary`: the one-screen summary a run prints.

May import: :mod:`generator.readers.results` (the result record), :mod:`generator.model`
and the shared modules at the top of :mod:`generator`.  Never a writer or a command.
"""
