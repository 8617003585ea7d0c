"""A Document as one self-contained HTML page (charts inlined), A4 when printed from a
browser. Its lang attribute and font order follow the document's script (the SC faces
first for zh-Hans, the TC faces first for zh-Hant); all text is converted to that script
in `text()`, the one place it leaves this module."""
from __future__ import annotations

import base64
import html

from kaoping.text.script import HANT, to_script
from kaoping_cli.documents.model import Chart, Document, IssuerStamp, Masthead, Para, Signature, TableBlock

FONTS = {"zh-Hans": ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", '
                     '"PingFang SC", "Noto Sans CJK TC", sans-serif'),
         HANT: ('"Noto Sans CJK TC", "Noto Sans TC", "Source Han Sans TC", "Microsoft JhengHei", '
                '"PingFang TC", "Noto Sans CJK SC", sans-serif')}
CSS = """
@page { size: A4 %(orientation)s; margin: 15mm 15mm 18mm 15mm; }
body { font-family: %(fonts)s; font-size: 11pt; color: #000; }
@media screen { body { max-width: %(width)s; margin: 0 auto; padding: 10mm; } }
section.page { page-break-after: always; break-after: page; }
section.page:last-child { page-break-after: auto; break-after: auto; }
div.masthead { text-align: center; border-bottom: 2.5pt solid #c81010; margin-bottom: 10pt; padding-bottom: 3pt; }
div.masthead .issuer { color: #c81010; font-size: 22pt; font-weight: bold; }
h1 { text-align: center; font-size: 17pt; margin: 0 0 6pt; }
h2 { font-size: 12.5pt; margin: 12pt 0 4pt; }
p.meta { text-align: center; color: #333; margin: 0 0 8pt; }
p.note { color: #8b0000; }
p.small { font-size: 9pt; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th { background: #ddebf7; }
th, td { border: 1px solid #666; padding: 2pt 5pt; vertical-align: top; }
td.R { text-align: right; } td.C { text-align: center; }
tr.highlight td { background: #fdecea; }
tr.bold td { font-weight: bold; background: #f2f2f2; }
figure { margin: 8pt 0; text-align: center; }
figure img { max-width: 100%%; }
figcaption { font-size: 9pt; }
div.foot { display: flex; justify-content: space-between; align-items: flex-start; margin-top: 18pt; }
div.stamp { margin: 0 0 0 auto; width: 70mm; position: relative; text-align: center; padding-top: 10mm; }
div.stamp .seal { position: absolute; left: 16mm; top: 0; width: 38mm; height: 38mm; border: 1px dashed #be7878;
                  border-radius: 50%%; color: #965a5a; font-size: 8pt; padding-top: 3mm; box-sizing: border-box; }
div.signature { margin-top: 24pt; display: flex; justify-content: space-between; }
footer { margin-top: 12pt; font-size: 8pt; color: #666; text-align: center; }
@media print { footer { display: none; } }
"""


def to_html(doc: Document) -> str:
    def text(value) -> str:
        return html.escape(to_script(str(value), doc.script))

    css = CSS % {"fonts": FONTS.get(doc.script, FONTS["zh-Hans"]),
                 "orientation": "landscape" if doc.landscape else "portrait",
                 "width": "267mm" if doc.landscape else "180mm"}
    parts = ["<!DOCTYPE html>", f'<html lang="{doc.script}"><head><meta charset="utf-8">',
             '<meta name="generator" content="kaoping">', f"<title>{text(doc.title)}</title>",
             f"<style>{css}</style></head><body>"]
    for page in doc.pages:
        parts.append('<section class="page">')
        for b in page.blocks:
            if isinstance(b, Para):
                tag = {"title": "h1", "heading": "h2"}.get(b.style, "p")
                css_class = f' class="{b.style}"' if tag == "p" else ""
                parts.append(f"<{tag}{css_class}>{text(b.text)}</{tag}>")
            elif isinstance(b, Masthead):
                parts.append(f'<div class="masthead"><div class="issuer">{text(b.issuer)}</div>'
                             + (f'<div class="number">{text(b.number)}</div>' if b.number else "") + "</div>")
            elif isinstance(b, TableBlock):
                parts.append("<table><thead><tr>" + "".join(f"<th>{text(h)}</th>" for h in b.headers) +
                             "</tr></thead><tbody>")
                for i, row in enumerate(b.rows):
                    css_class = ' class="highlight"' if i in b.highlight else ' class="bold"' if i in b.bold_rows \
                        else ""
                    height = f' style="height: {b.row_height}mm"' if b.row_height else ""
                    parts.append(f"<tr{css_class}{height}>" + "".join(
                        f'<td class="{a}">{text(c)}</td>' for c, a in zip(row, b.align)) + "</tr>")
                parts.append("</tbody></table>")
            elif isinstance(b, Chart):
                data = base64.b64encode(b.png).decode("ascii")
                parts.append(f'<figure><img alt="{text(b.alt)}" style="width: {b.width_mm:g}mm" '
                             f'src="data:image/png;base64,{data}">'
                             + (f"<figcaption>{text(b.caption)}</figcaption>" if b.caption else "") + "</figure>")
            elif isinstance(b, IssuerStamp):
                parts.append('<div class="foot"><div class="receipt">'
                             + "".join(f"<p>{text(line)}</p>" for line in b.receipt)
                             + (f'<p class="contact">{text("联系人及电话：" + b.contact)}</p>' if b.contact else "")
                             + f'</div><div class="stamp"><div class="seal">{text("（盖章处）")}</div>'
                             f"<div>{text(b.issuer)}</div><div>{text(b.date)}</div></div></div>")
            elif isinstance(b, Signature):
                parts.append('<div class="signature">' + "".join(f"<span>{text(f)}</span>" for f in b.fields)
                             + "</div>")
        if page.footer:
            parts.append(f"<footer>{text(page.footer)}</footer>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
