"""The second OCR reader for names (issue 17): a name Tesseract did not read as the applicant
typed it passes only when a second engine's reading of its line backs it up; otherwise the
finding shows both readings. A low-confidence name with nothing to compare is never a pass.

Most tests use a stand-in second engine (so they run without the ``rapidocr`` package); the
last ones use RapidOCR itself and are skipped where it is not installed."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from ml.names import (
    choose_reading,
    clean_reading,
    one_slip,
    same_despite_confusions,
    second_opinion_agrees,
)
from ml.ocr import engines, second
from ml.ocr.types import OcrPage, OcrResult, Word
from ml.review import review_document
from tests.fixtures.ml.documents import png_bytes, render_id_card
from tests.unit.ml.test_review_unverified_names import card_with_boxes
from tests.unit.ml.test_review_verdicts import TODAY, FakeClassifier, codes

BLANK_PAGE = png_bytes(Image.new("RGB", (1000, 400), "white"))  # the frame of card_with_boxes


class StandIn:
    """A second engine that reads what the test set as its `reading`, keeping the size of
    each line image it was given in `calls`."""

    name = "stand-in"

    def __init__(self) -> None:
        self.reading: tuple[str, float] = ("", 0.0)
        self.page_words: list = []  # what a whole page reads as (words in the page's frame)
        self.calls: list = []  # (width, height) of each line; ("page", size) of each page

    def version(self) -> str:
        return "stand-in-1"

    def recognize(self, image, *, lang, psm=3):
        self.calls.append(("page", image.size))
        return list(self.page_words)

    def read_line(self, image):
        self.calls.append(image.size)
        return self.reading


@pytest.fixture
def second_reads(monkeypatch):
    """Install a StandIn as the second reader; call with the text it should read (and its
    confidence): returns the StandIn, whose `calls` say what it was asked to read."""
    reader = StandIn()
    engines.register_engine("stand-in")(lambda: reader)
    monkeypatch.setattr(second, "SECOND_ENGINE", "stand-in")

    def set_reading(text: str, conf: float = 99.0) -> StandIn:
        reader.reading = (text, conf)
        return reader

    yield set_reading
    engines._FACTORIES.pop("stand-in", None)
    engines._instance.cache_clear()


def run(ocr: OcrResult, applicant=None, *, source: object = BLANK_PAGE, **kw) -> dict:
    return review_document(
        source,
        expected_type="id_card_front",
        ocr_result=ocr,
        classifier=FakeClassifier("id_card_front"),
        today=TODAY,
        applicant=applicant,
        **kw,
    )


def review_name(read: str, typed: str | None, *, conf: float = 92, **kw) -> dict:
    """The review of an ID card whose name Tesseract read as `read` (at confidence `conf`),
    the applicant having typed the name `typed` (None: no applicant to compare with)."""
    return run(card_with_boxes(conf, name=read), None if typed is None else {"name": typed}, **kw)


def name_reason(result: dict) -> dict:
    return next(r for r in result["reasons"] if r["field"] == "name")


# --- the comparison ----------------------------------------------------------------------


def test_confusable_glyphs_compare_equal_but_other_names_do_not():
    assert same_despite_confusions("张曰明", "张日明")
    assert same_despite_confusions("李已", "李己")
    assert not same_despite_confusions("赵小明", "钱小明")
    assert not same_despite_confusions("王小", "王小明")
    assert not same_despite_confusions("", "")


def test_one_slip_allows_one_misread_dropped_or_added_glyph():
    assert one_slip("宋欣晚", "宋欣晓")
    assert one_slip("宋欣", "宋欣晓") and one_slip("宋欣晓晓", "宋欣晓")
    assert not one_slip("宋铁晚", "宋欣晓")
    assert not one_slip("王明", "王丽")  # a two-character name has no room for a slip


@pytest.mark.parametrize(
    ("first", "second_text", "typed", "agrees"),
    [
        ("宋欣晚", "宋欣晓", "宋欣晓", True),  # the second reader confirms a slip
        ("张曰明", "张曰明", "张日明", True),  # both readers agree up to a confusable glyph
        ("李小明", "李小明", "赵小明", False),  # both read another name
        ("宋欣晚", "宋欣晚", "宋欣晓", False),  # both read the slip: nobody read the name
        ("三丨", "宋欣晓", "宋欣晓", False),  # the second reading alone never vouches
        ("宋欣晚", "", "宋欣晓", False),
        ("宋欣晚", None, "宋欣晓", False),
    ],
)
def test_second_opinion_rules(first, second_text, typed, agrees):
    assert second_opinion_agrees(first, second_text, typed) is agrees


@pytest.mark.parametrize(
    ("first", "first_conf", "second_text", "second_conf", "chosen"),
    [
        ("葡婷俊", 0, "蔡婷俊", 99.9, "蔡婷俊"),  # 葡 is no surname: the second reading
        ("章杰华", 70, "曹杰华", 99.3, "曹杰华"),  # both plausible, the first unsure
        ("和孙英", 51, "孙英", 99.9, "孙英"),  # a glyph of the label read into the name
        ("孙英", 99, "和孙英", 99.9, "孙英"),  # a sure first reading stays
        ("王小明", 40, "三小明", 99.9, "王小明"),  # the second starts with no surname
        ("王夭", 4, "王磊", 60.0, "王夭"),  # the second reader unsure: nothing changes
        ("王小明", 40, "姓名王小明", 99.0, "王小明"),  # the label in the crop is dropped
        ("王小明", 40, "中4", 99.0, "王小明"),  # one glyph is no name
        ("谢起", 70, "谢超男", 99.0, "谢超"),  # the sex printed after the name is cut
        ("王秀女", 70, "王秀女", 99.0, "王秀女"),  # unless the first reading ends so too
    ],
)
def test_choose_reading(first, first_conf, second_text, second_conf, chosen):
    assert choose_reading(first, first_conf, second_text, second_conf) == chosen


def test_clean_reading_keeps_the_name_only():
    assert clean_reading("姓名萧思霞") == "萧思霞"
    assert clean_reading("名: 王磊") == "王磊"
    assert clean_reading("名字") == "名字"  # too short to be a label and a name
    assert clean_reading(None) == ""
    assert clean_reading("谢超男") == "谢超" and clean_reading("王小明性别女") == "王小明"
    assert clean_reading("李女") == "李女"  # too short to have the sex cut off


# --- the review with a stand-in second engine ---------------------------------------------


def test_second_reading_that_confirms_the_applicant_passes(second_reads):
    reader = second_reads("王小明")
    result = review_name("王小朋", "王小明")
    assert result["verdict"] == "pass", result["reasons"]
    check = next(c for c in result["checks"] if c["field"] == "name")
    assert check["ok"] and "王小朋" in check["detail"] and "王小明" in check["detail"]
    assert len(reader.calls) == 1  # one crop: the name's line, not the page
    width, height = reader.calls[0]
    assert width < 400 and height < 80


def test_disagreeing_readings_that_match_nobody_are_attention_with_both(second_reads):
    second_reads("李小明")
    result = review_name("李小朋", "赵小明")
    assert result["verdict"] == "attention"
    assert ("name_mismatch", "name") in codes(result)
    reason = name_reason(result)
    assert reason["evidence"]["text"] == "李小朋 / 李小明"  # what the clerk sees
    assert reason["evidence"]["box"]
    assert "李小明" in reason["message"] and "stand-in" in reason["message"]
    assert result["fields"]["name"]["second_reading"] == {
        "text": "李小明",
        "conf": 99.0,
        "engine": "stand-in",
    }


def test_readers_agreeing_on_a_slip_do_not_make_it_the_applicant(second_reads):
    second_reads("王小朋")
    result = review_name("王小朋", "王小明")
    assert result["verdict"] == "attention"
    assert name_reason(result)["evidence"]["text"] == "王小朋 / 王小朋"


def test_an_exact_tesseract_match_needs_no_second_reading(second_reads):
    reader = second_reads("something else")
    result = review_name("王小明", "王小明")
    assert result["verdict"] == "pass"
    assert reader.calls == []


def test_low_confidence_name_without_applicant_is_never_pass_even_when_confirmed(second_reads):
    second_reads("王小明", 99.9)
    result = review_name("王小明", None, conf=41)
    assert result["verdict"] == "attention"
    assert ("low_confidence", "name") in codes(result)
    assert name_reason(result)["evidence"]["text"] == "王小明 / 王小明"
    assert "stand-in" in name_reason(result)["message"]


def test_the_better_reading_is_reported_but_does_not_pass_alone(second_reads):
    reader = second_reads("蔡婷俊", 99.9)
    result = run(card_with_boxes(92, name="葡婷俊"))  # 葡 starts no surname
    name = result["fields"]["name"]
    assert name["value"] == "蔡婷俊" and name["first_reading"] == "葡婷俊"
    assert result["verdict"] == "attention" and ("low_confidence", "name") in codes(result)
    assert name_reason(result)["evidence"]["text"] == "葡婷俊 / 蔡婷俊"
    assert len(reader.calls) == 1  # one reading serves the choice and the finding
    # with an applicant: the second reading backs a slip of Tesseract's (one glyph) ...
    assert run(card_with_boxes(92, name="葡婷俊"), {"name": "蔡婷俊"})["verdict"] == "pass"
    # ... but alone it never vouches for a name Tesseract read as something else
    typed = run(card_with_boxes(92, name="葡亭后"), {"name": "蔡婷俊"})
    assert typed["fields"]["name"]["value"] == "蔡婷俊"
    assert typed["verdict"] == "attention" and ("name_mismatch", "name") in codes(typed)
    assert name_reason(typed)["evidence"]["text"] == "葡亭后 / 蔡婷俊"


def test_readers_disagreeing_on_a_plausible_name_without_applicant_is_attention(second_reads):
    second_reads("曹杰华", 99.3)
    result = run(card_with_boxes(80, name="章杰华"))
    assert result["fields"]["name"]["value"] == "曹杰华"
    assert result["verdict"] == "attention"
    assert "differently" in name_reason(result)["message"]


def test_readers_agreeing_without_applicant_pass(second_reads):
    second_reads("王小明", 99.0)
    result = run(card_with_boxes(92))
    assert result["verdict"] == "pass", result["reasons"]
    assert "first_reading" not in result["fields"]["name"]


def test_a_name_tesseract_missed_is_looked_for_on_the_whole_page(second_reads):
    reader = second_reads("", 0.0)
    ocr = card_with_boxes(92)
    page = ocr.pages[0]
    page.words = [w for w in page.words if w.line != 0]  # the name's line was not read
    ocr.text = ocr.text.split("\n", 1)[1]
    # the stand-in reads the page shrunk to 720 px wide (the page is 1000 x 400)
    reader.page_words = [Word("姓名王小明", 97.0, (29, 29, 274, 29), 0)]
    result = run(ocr)
    name = result["fields"]["name"]
    assert name["value"] == "王小明" and name["first_reading"] == ""
    assert name["box"] == [40, 40, 381, 40]  # in the page's frame
    assert ("page", (720, 288)) in reader.calls
    assert result["verdict"] == "attention" and ("low_confidence", "name") in codes(result)
    # found by the second reader alone, it never passes, even when it is the applicant's
    typed = run(ocr, {"name": "王小明"})
    assert typed["verdict"] == "attention" and ("name_mismatch", "name") in codes(typed)


def test_without_a_second_engine_the_review_is_tesseract_alone(monkeypatch):
    monkeypatch.setattr(second, "SECOND_ENGINE", "no-such-engine")
    result = review_name("王小朋", "王小明")
    assert result["verdict"] == "attention"
    assert name_reason(result)["evidence"]["text"] == "王小朋"


def test_second_opinion_can_be_switched_off(second_reads):
    reader = second_reads("王小明")
    result = review_name("王小朋", "王小明", second_opinion=False)
    assert result["verdict"] == "attention" and reader.calls == []


def test_line_crop_keeps_margins_inside_the_image():
    image = Image.new("RGB", (200, 100), "white")
    crop = second.line_crop(image, (150, 70, 60, 40))
    assert crop is not None and crop.mode == "RGB"
    assert crop.size == (200 - 134, 100 - 62)
    assert second.line_crop(image, (10, 10, 0, 20)) is None
    assert second.read_line_again(None, (1, 1, 5, 5)) is None


# --- RapidOCR itself (skipped where the package is not installed) -------------------------


def _line_image(text: str) -> Image.Image:
    image = Image.new("RGB", (60 + 40 * len(text), 56), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 36)
    ImageDraw.Draw(image).text((30, 8), text, fill="black", font=font)
    return image


def test_rapidocr_reads_a_name_line_from_models_inside_its_package():
    rapidocr = pytest.importorskip("rapidocr")
    from pathlib import Path

    engine = engines.get_engine("rapidocr")
    package = Path(rapidocr.__file__).parent
    for stage in ("Det", "Rec", "Cls"):
        assert Path(str(engine._ocr.cfg[stage].model_path)).parent == package / "models"
    text, conf = engine.read_line(_line_image("欧阳秀萱"))
    assert text == "欧阳秀萱" and conf > 50


def test_rapidocr_second_opinion_on_a_rendered_card(monkeypatch):
    pytest.importorskip("rapidocr")
    from ml.ocr import run_ocr

    data = png_bytes(render_id_card(name="熊秀萱"))
    ocr = run_ocr(data, cache=False)
    words = [w for w in ocr.pages[0].words if "秀" in w.text or "萱" in w.text]
    assert words, ocr.text
    for word in words:  # as Tesseract read it on an unseen font (a slip in the last glyph)
        word.text = word.text.replace("萱", "曹")
    slipped = OcrResult(
        text=ocr.text.replace("萱", "曹"),
        pages=[OcrPage(ocr.pages[0].width, ocr.pages[0].height, ocr.pages[0].words)],
        seconds=ocr.seconds,
        engine=ocr.engine,
        lang=ocr.lang,
    )
    good = run(slipped, {"name": "熊秀萱"}, source=data)
    # the review reports the better reading; Tesseract's is kept beside it
    assert good["fields"]["name"]["value"] == "熊秀萱"
    assert good["fields"]["name"]["first_reading"] == "熊秀曹"
    assert good["verdict"] == "pass", good["reasons"]
    other = run(slipped, {"name": "熊秀英"}, source=data)
    assert other["verdict"] == "attention"
    assert name_reason(other)["evidence"]["text"] == "熊秀曹 / 熊秀萱"
