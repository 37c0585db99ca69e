"""Test helper: render a PDF-extracted .txt back into a PDF, the way the original looked.

One source line per PDF line, DejaVu fonts (Debian package fonts-dejavu-core), bold headings,
"•" for bullets whose glyph the extraction lost (indented lines), and a new page wherever the
text shows a page break (a run of blank lines with 3 or more empty ones).
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from index.documents.clean import looks_like_title, section_heading

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
LINE_MM = 4.5


def _bold(lines: list[str], i: int) -> bool:
    """Headings: section headings and short stand-alone lines (titles, sub-headings)."""
    text = lines[i].strip()
    if section_heading(text):
        return True
    before_blank = i == 0 or not lines[i - 1].strip()
    return before_blank and not lines[i][:1].isspace() and looks_like_title(text, max_words=6)


def render_pdf(text: str, target: Path) -> Path:
    """Write `text` (LF lines) as a PDF at `target`."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    lines = text.split("\n")
    empties = 0
    for i, line in enumerate(lines):
        if not line.strip():
            empties += line == ""
            continue
        if empties >= 3:
            pdf.add_page()
        elif i > 0 and not lines[i - 1].strip():
            pdf.ln(LINE_MM)  # blank lines before this one: a paragraph gap
        empties = 0
        shown = "• " + line.strip() if line[:1].isspace() else line.strip()
        pdf.set_font("DejaVu", "B" if _bold(lines, i) else "", 8)
        pdf.cell(0, LINE_MM, shown, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(target))
    return target
