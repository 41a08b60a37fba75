"""QR codes of verification links, with the pinned `qrcode` package (module matrix only: the label
draws the modules itself, in the PNG and the SVG alike)."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M


@lru_cache(maxsize=256)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) and light modules of the smallest QR code (error correction M) holding `data`,
    without the quiet zone: the label leaves white space around it."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return tuple(tuple(bool(m) for m in row) for row in code.get_matrix())
