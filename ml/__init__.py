"""OneWindow document intelligence: OCR, classification, field extraction, review.

Pure Python (no Flask, no database); the web app calls it from background jobs.
Import the pieces you need: ``ml.ocr.run_ocr``, ``ml.review.review_document``,
``ml.fields.extract_fields``, ``ml.validators.validate``, ``ml.doctypes``.
The package import itself stays light so that the web process loads quickly.
"""

__version__ = "0.1.0"
