"""The PDF reader: :mod:`.reader` reads a returned form's fields and identity through :mod:`.document`,
which opens the file with tightened limits and walks its field tree (using :mod:`.dict_scan` for speed)."""
