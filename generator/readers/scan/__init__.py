"""The paper reader: scans and photos of printed forms, found by the QR code on every page.

:mod:`.raster` turns a scan file (JPEG, PNG, TIFF, or a PDF of images) into
page images within pixel and page caps; :mod:`.pagemap` finds a page's code
and maps the layout's millimetres onto the image; :mod:`.seal` measures the
red ink in the seal area; :mod:`.pages` reads one file into page readings;
:mod:`.assemble` groups the pages of a batch into applications, one result
each.  Nothing is read from handwriting: the boxes are cropped for the office
to key (:mod:`generator.readers.keyed` reads the keyed workbook back).
"""
