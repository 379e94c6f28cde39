"""Where the page code goes on every page, and the codes a form's pages carry.

The code sits in the top margin at the right, clear of the official layout:
a QR code :data:`CODE_SIZE_MM` square whose right edge lines up with the
table's, its top :data:`CODE_TOP_MM` below the paper's edge (inside what
office printers print), and the human-readable caption to its left, right
aligned, in :data:`CAPTION_SIZE_PT` type.  Both writers draw it here; the scan
reader maps a page's boxes from where it finds it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from generator.layout.form import MARGIN_MM, PAGE_WIDTH_MM, FormLayout
from generator.layout.parts import Box
from generator.model.pagecode import PageCode, Printer
from generator.model.rubric import Rubric

CODE_SIZE_MM = 14.0
CODE_TOP_MM = 4.5
CODE_BOX = Box(
    PAGE_WIDTH_MM - MARGIN_MM - CODE_SIZE_MM, CODE_TOP_MM, PAGE_WIDTH_MM - MARGIN_MM, CODE_TOP_MM + CODE_SIZE_MM
)
"""The QR symbol (without its quiet zone) on the page, millimetres from the paper's top-left corner."""
CAPTION_SIZE_PT = 6.0
CAPTION_GAP_MM = 2.5
"""Room between the caption's right end and the code's quiet zone edge."""
CAPTION_RIGHT_MM = CODE_BOX.x0_mm - CAPTION_GAP_MM


def page_codes(layout: FormLayout, printer: Printer = "P", roster_key: str = "") -> tuple[PageCode, ...]:
    """The code of each page of the form ``layout`` draws."""
    return rubric_page_codes(layout.rubric, len(layout.pages), printer, roster_key)


def rubric_page_codes(rubric: Rubric, count: int, printer: Printer = "P", roster_key: str = "") -> tuple[PageCode, ...]:
    """The codes of a ``count``-page form of ``rubric`` (for a writer that has the pages, not the layout)."""
    return tuple(
        PageCode(rubric.id, rubric.fingerprint, page, count, printer, roster_key) for page in range(1, count + 1)
    )


def code_matrix(code: PageCode) -> NDArray[np.bool_]:
    """The QR symbol's dark modules (rows × columns, true for dark), without the quiet zone, at error
    correction level M.

    zxing-cpp encodes it (the scan reader decodes with the same library): a tenth of a millisecond,
    which matters when a thousand personalised copies each get their own codes.
    """
    import zxingcpp

    symbol = zxingcpp.create_barcode(code.payload(), zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return np.asarray(zxingcpp.write_barcode_to_image(symbol, scale=1, add_quiet_zones=False)) < 128
