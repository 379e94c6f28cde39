"""The Word writer: ``render_docx(layout) -> bytes`` and ``write_docx(layout, path)``.

:mod:`.writer` puts the document together from :mod:`.heading` (title, subject,
header blanks), :mod:`.table` (the rubric table), :mod:`.footer` (review box and
seal area), :mod:`.pagecode` (each page's QR code in its header),
:mod:`.controls` (content controls), :mod:`.styles` and :mod:`.fonts`,
:mod:`.properties` (document identity) and :mod:`.package` (a lean, reproducible
package); :mod:`.oxml` builds the WordprocessingML python-docx has no API for.
"""
