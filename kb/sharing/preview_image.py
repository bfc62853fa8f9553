"""Preview cards (1200×630 PNG) for link previews: the case's title on the site's colours.

Rendered with Pillow on first request and kept on disk, one file per case version. Fonts:
DejaVu Sans from the system (Debian's ``fonts-dejavu-core``) or ``PREVIEW_FONT_DIRS``; without
them a case uses the shipped site image (``static/img/og-default.png``). Nothing is downloaded.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kb.sharing.meta import PREVIEW_SIZE

log = logging.getLogger(__name__)

GREEN, GREEN_DARK, YELLOW, WHITE, MINT = "#1b4d3e", "#12352b", "#f4c542", "#ffffff", "#cfe3da"
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/share/fonts/TTF", "/usr/local/share/fonts")
# The brand mark of base.html (a "K" on a rounded square), in its 32×32 grid.
MARK = [(8, 23), (8, 9), (12, 9), (12, 14), (17, 9), (22, 9), (15.5, 15.5), (22, 23), (17, 23),
        (12, 18), (12, 23)]


def font_dir(dirs: tuple[str, ...] = FONT_DIRS) -> str | None:
    """The first folder holding DejaVu Sans, or None (then cards fall back to the site image:
    Pillow's bundled font has no å, ä or ö)."""
    for folder in dirs:
        if os.path.exists(os.path.join(folder, "DejaVuSans-Bold.ttf")):
            return folder
    return None


def _font(folder: str, size: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(os.path.join(folder, "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"),
                              size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; the last line ends in "…" when text is cut."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and draw.textlength(line + " " + words[0], font=font) <= width:
            line += " " + words.pop(0)
        while draw.textlength(line, font=font) > width and len(line) > 1:
            line = line[:-2] + "…"
        lines.append(line)
    if words and lines:
        last = lines[-1]
        while draw.textlength(last + " …", font=font) > width and " " in last:
            last = last.rsplit(" ", 1)[0]
        lines[-1] = last.rstrip(" ,.;:–-") + " …"
    return lines


def render_card(title: str, byline: str, site_name: str, fonts: str) -> bytes:
    """The PNG bytes of a preview card, set in the DejaVu fonts in the folder ``fonts``."""
    width, height = PREVIEW_SIZE
    image = Image.new("RGB", PREVIEW_SIZE, GREEN)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height - 18, width, height), fill=YELLOW)
    draw.rectangle((0, 0, width, 6), fill=GREEN_DARK)
    scale, left, top = 2.5, 80, 64
    draw.rounded_rectangle((left, top, left + 32 * scale, top + 32 * scale), radius=15, fill=GREEN_DARK)
    draw.polygon([(left + x * scale, top + y * scale) for x, y in MARK], fill=YELLOW)
    draw.text((left + 32 * scale + 28, top + 14), site_name, font=_font(fonts, 44, True), fill=WHITE)
    title_font = _font(fonts, 60 if len(title) < 70 else 52, True)
    y = 210
    for line in _wrap(draw, title, title_font, width - 2 * left, 4):
        draw.text((left, y), line, font=title_font, fill=WHITE)
        y += int(title_font.size * 1.22)
    byline_font = _font(fonts, 34, False)
    for line in _wrap(draw, byline, byline_font, width - 2 * left, 1):
        draw.text((left, height - 100), line, font=byline_font, fill=MINT)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def card_path(directory: str, case_id: int, version: int, title: str, byline: str) -> Path:
    digest = hashlib.sha1(f"{title}\x00{byline}".encode(), usedforsecurity=False).hexdigest()[:10]
    return Path(directory) / f"case-{case_id}-v{version}-{digest}.png"


def cached_card(directory: str, case_id: int, version: int, title: str, byline: str,
                site_name: str, fonts: str) -> Path:
    """The card's file, rendered once per case version and written atomically."""
    path = card_path(directory, case_id, version, title, byline)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = render_card(title, byline, site_name, fonts)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)  # another worker may render the same card: last one wins, both equal
    log.info("rendered preview card %s", path.name)
    return path
