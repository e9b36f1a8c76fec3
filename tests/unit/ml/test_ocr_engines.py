"""The tesseract engine's two ways of reading a page: libtesseract kept loaded in the
process (tesserocr) and the tesseract command per page. They must give the same words, and
both must keep the time limit and the per-thread handles."""

from __future__ import annotations

import threading

import pytest

from ml.ocr import UnreadableDocument, engines, get_engine, run_ocr
from ml.ocr.preprocess import preprocess
from tests.fixtures.ml.documents import make_id_number, render_id_card

pytest.importorskip("tesserocr")  # installed by requirements.txt; skipped only without it


@pytest.fixture(scope="module")
def page():
    number = make_id_number("11010519900307123")
    return preprocess(render_id_card(name="王芳", id_number=number)).image, number


def _words(words):
    return [(w.text, w.conf, w.box, w.line) for w in words]


def test_default_engine_reads_in_process_and_matches_the_command(page):
    image, number = page
    library, command = get_engine("tesseract"), get_engine("tesseract-cli")
    assert library.in_process and not command.in_process
    assert library.version() == command.version()  # one libtesseract: one cache key
    in_process = library.recognize(image, lang="chi_sim")
    assert number in "".join(w.text for w in in_process)
    assert _words(in_process) == _words(command.recognize(image, lang="chi_sim"))
    assert _words(library.recognize(image, lang="eng", psm=6)) == _words(
        command.recognize(image, lang="eng", psm=6)
    )


def test_whole_pipeline_gives_the_same_result_with_either_reader(page):
    image, _ = page
    turned = image.rotate(180)  # exercises the rotation probes too
    a = run_ocr(turned, cache=False, engine="tesseract")
    b = run_ocr(turned, cache=False, engine="tesseract-cli")
    assert a.text == b.text and a.pages[0].rotation == b.pages[0].rotation == 180


def test_each_thread_gets_its_own_handle(page):
    image, _ = page
    engine = get_engine("tesseract")
    handles = []

    def read():
        engine.recognize(image, lang="chi_sim")
        handles.append(engine._threads.handles["chi_sim"])

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(handles) == 2 and handles[0] is not handles[1]


def test_time_limit_holds_in_process(page, monkeypatch):
    image, _ = page
    monkeypatch.setattr(engines, "TESSERACT_TIMEOUT_SECONDS", 0.001)
    with pytest.raises(UnreadableDocument) as info:
        get_engine("tesseract").recognize(image, lang="chi_sim")
    assert info.value.reason == "timeout"
    monkeypatch.undo()
    assert get_engine("tesseract").recognize(image, lang="chi_sim")  # the handle still works


def test_library_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("ML_TESSERACT_LIBRARY", "0")
    assert not engines.TesseractEngine().in_process
