"""Previews of a PDF's later pages, where the review may have read evidence."""

from __future__ import annotations


def test_a_pdfs_later_pages_get_previews_as_many_as_asked_and_it_has(tmp_path):
    import io

    from PIL import Image

    from ml.preview import write_later_pages

    pages = [Image.new("RGB", (400, 300), colour) for colour in ("white", "grey", "black")]
    pdf = io.BytesIO()
    pages[0].save(pdf, "PDF", save_all=True, append_images=pages[1:])
    targets = [str(tmp_path / f"p{n}.jpg") for n in (2, 3, 4, 5)]
    assert write_later_pages(pdf.getvalue(), targets) == 2  # pages 2 and 3; there is no 4th
    assert Image.open(targets[0]).getpixel((10, 10))[0] < 200  # grey, not the first page
    assert not (tmp_path / "p4.jpg").exists()
    assert write_later_pages(pdf.getvalue(), targets[:1]) == 1
    png = io.BytesIO()
    pages[0].save(png, "PNG")
    assert write_later_pages(png.getvalue(), targets) == 0  # an image has one page
