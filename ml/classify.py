"""Document type classifier: predict only, from a versioned model artifact.

A scikit-learn pipeline over OCR text (character 1-3-gram TF-IDF, which works on
Chinese without a segmenter) plus a few cheap layout features of the page image
(:func:`image_features`), fed to a multinomial logistic regression.  An artifact may
also hold a calibrator (scikit-learn's ``CalibratedClassifierCV`` over the frozen model,
fitted by :mod:`ml.train` on documents in held-out fonts and layouts the model never trained
on) whose probabilities replace the model's (``benchmarks/calibration.py`` measures how far
they can be trusted, also on real scans); artifacts of format 1 have none and predict from
the model's probabilities as before.  Below the threshold stored in the artifact (chosen
on the probabilities the classifier reports) the prediction is "other".  The model's answer
must also have what its type declares a document of that type cannot lack
(:class:`ml.doctypes.Anchors`): a type whose required anchor is absent from the text becomes
"other", and when the answer is "other", a type whose evidence anchors are all present (one
only) is the answer instead, with ``basis="anchors"``.  Like paperless-ngx's classifier,
this module only loads, saves and predicts; training lives in :mod:`ml.train`.  A missing
or incompatible artifact makes :meth:`DocumentClassifier.load` return None, never raise.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import sparse

from ml.doctypes import DOC_TYPES, OTHER, all_types, find

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: optional "calibrator"; format 1 artifacts (no calibrator) still load
READABLE_FORMATS = (1, 2)
DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "models" / "doc_classifier.joblib"
IMAGE_FEATURE_NAMES = (
    "aspect",
    "ink_density",
    "mean_brightness",
    "brightness_std",
    "red_fraction",
    "blue_fraction",
    "saturation",
    "edge_density",
    "ink_rows",
    "ruled_rows",
    "ruled_cols",
    "dark_fraction",
)
MIN_TEXT_CHARS = 6  # fewer non-space characters than this: no text to judge, abstain
IMAGE_FEATURE_WEIGHT = (
    0.35  # scale of standardised layout features next to the L2-normed text vector
)
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d")


@dataclass
class Prediction:
    """Classifier output: the chosen type, its probability and all class probabilities."""

    doc_type: str
    confidence: float
    probabilities: dict[str, float] = field(default_factory=dict)
    abstained: bool = False
    basis: str = "model"  # "model", or "anchors" when the type's evidence decided


@functools.lru_cache(maxsize=256)
def _anchor(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def lacks_anchors(code: str, text: str) -> bool:
    """True when *text* lacks what type *code* requires (its ``anchors.required``)."""
    doc_type = find(code)
    required = doc_type.anchors.required if doc_type else ""
    return bool(required) and not _anchor(required).search(text or "")


def proven_type(text: str) -> str | None:
    """The one type whose evidence anchors are all in *text* (None for none or several)."""
    proven = [
        t.code
        for t in all_types()
        if t.anchors.evidence
        and not lacks_anchors(t.code, text)
        and all(_anchor(p).search(text or "") for p in t.anchors.evidence)
    ]
    return proven[0] if len(proven) == 1 else None


def normalize_text(text: str) -> str:
    """Text as the vectoriser sees it: no whitespace, lower case, every digit as "0"."""
    return _DIGITS.sub("0", _SPACES.sub("", text or "").lower())


def image_features(image: Image.Image) -> dict[str, float]:
    """Cheap layout features of a page image (about 5 ms): shape, ink, colour and ruling.

    The image is reduced to at most 256 px on its long side first, so the cost does not
    depend on the upload's resolution.
    """
    width, height = image.size
    ratio = 256 / max(width, height, 1)
    if ratio < 1:  # same pixels as Image.thumbnail((256, 256)), without converting the full page
        size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
        small = image.resize(size, Image.BICUBIC, reducing_gap=2.0).convert("RGB")
    else:
        small = image.convert("RGB")
    rgb = np.asarray(small, dtype=np.float32) / 255.0
    gray = rgb.mean(axis=2)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    mx, mn = rgb.max(axis=2), rgb.min(axis=2)
    ink = gray < min(0.55, float(np.median(gray)) - 0.18)
    horiz = np.abs(np.diff(gray, axis=1)) > 0.15
    ruled_rows = (ink.mean(axis=1) > 0.5).mean() if ink.size else 0.0
    ruled_cols = (ink.mean(axis=0) > 0.5).mean() if ink.size else 0.0
    return {
        "aspect": float(width / max(1, height)),
        "ink_density": float(ink.mean()),
        "mean_brightness": float(gray.mean()),
        "brightness_std": float(gray.std()),
        "red_fraction": float(((r > 0.55) & (g < 0.4) & (b < 0.4)).mean()),
        "blue_fraction": float(((b > r + 0.12) & (b > g + 0.05)).mean()),
        "saturation": float(((mx - mn) / np.maximum(mx, 1e-3)).mean()),
        "edge_density": float(horiz.mean()),
        "ink_rows": float((ink.mean(axis=1) > 0.01).mean()),
        "ruled_rows": float(ruled_rows),
        "ruled_cols": float(ruled_cols),
        "dark_fraction": float((gray < 0.25).mean()),
    }


def feature_vector(features: dict | None) -> np.ndarray:
    """Image features in a fixed order plus a has-image flag (zeros when *features* is None)."""
    if not features:
        return np.zeros(len(IMAGE_FEATURE_NAMES) + 1, dtype=np.float64)
    values = [float(features.get(name, 0.0) or 0.0) for name in IMAGE_FEATURE_NAMES]
    return np.array([*values, 1.0], dtype=np.float64)


class DocumentClassifier:
    """Text + layout classifier with abstention; build with :mod:`ml.train`, use with
    :meth:`load`."""

    def __init__(
        self,
        vectorizer,
        model,
        *,
        feature_mean: np.ndarray,
        feature_scale: np.ndarray,
        threshold: float,
        metadata: dict | None = None,
        calibrator=None,
    ) -> None:
        self.vectorizer = vectorizer
        self.model = model
        self.calibrator = calibrator
        self.feature_mean = np.asarray(feature_mean, dtype=np.float64)
        self.feature_scale = np.asarray(feature_scale, dtype=np.float64)
        self.threshold = float(threshold)
        self.metadata = dict(metadata or {})
        self.classes = [str(c) for c in getattr(model, "classes_", [])]

    @property
    def calibration_method(self) -> str | None:
        """ "sigmoid", "isotonic" or "temperature" when a calibrator is attached, else None."""
        return getattr(self.calibrator, "method", None) if self.calibrator is not None else None

    @property
    def raw_threshold(self) -> float:
        """The abstention threshold for the model's own (uncalibrated) probabilities."""
        if self.calibrator is None:
            return self.threshold
        return float(self.metadata.get("threshold_uncalibrated", self.threshold))

    # -- features -----------------------------------------------------------------------
    def transform(self, texts: list[str], features: list[dict | None]):
        """Design matrix for *texts* and their image features (None = no image)."""
        text_part = self.vectorizer.transform([normalize_text(t) for t in texts])
        rows = np.vstack([feature_vector(f) for f in features])
        has_image = rows[:, -1:]
        scaled = (rows[:, :-1] - self.feature_mean) / self.feature_scale * has_image
        layout = np.hstack([np.clip(scaled, -5, 5) * IMAGE_FEATURE_WEIGHT, has_image])
        return sparse.hstack([text_part, sparse.csr_matrix(layout)], format="csr")

    # -- prediction ---------------------------------------------------------------------
    def predict_proba_many(
        self, texts: list[str], features: list[dict | None], *, calibrated: bool = True
    ) -> np.ndarray:
        """Class probabilities (rows in input order, columns in ``self.classes`` order):
        the calibrator's when there is one and *calibrated*, else the model's."""
        matrix = self.transform(texts, features)
        if calibrated and self.calibrator is not None:
            return self.calibrator.predict_proba(matrix)
        return self.model.predict_proba(matrix)

    def decide(
        self, probabilities: np.ndarray, text: str | None = None, threshold: float | None = None
    ) -> Prediction:
        """Turn one probability row into a Prediction, abstaining below the threshold
        (``self.threshold`` unless *threshold* is given).

        When *text* is given and holds fewer than MIN_TEXT_CHARS characters the
        classifier abstains too: layout alone is not evidence enough for a type. With
        *text*, the type's anchors are applied (see the module docstring).
        """
        probs = {c: round(float(p), 4) for c, p in zip(self.classes, probabilities)}
        best = int(np.argmax(probabilities))
        confidence = float(probabilities[best])
        doc_type = self.classes[best]
        too_short = text is not None and len(normalize_text(text)) < MIN_TEXT_CHARS
        if too_short:
            return Prediction(OTHER, confidence, probs, abstained=doc_type != OTHER)
        threshold = self.threshold if threshold is None else threshold
        unsure = doc_type != OTHER and confidence < threshold
        if text is not None and (doc_type == OTHER or unsure or lacks_anchors(doc_type, text)):
            proven = proven_type(text)
            if proven is not None:
                return Prediction(proven, probs.get(proven, 0.0), probs, basis="anchors")
        if doc_type != OTHER and (unsure or (text is not None and lacks_anchors(doc_type, text))):
            return Prediction(OTHER, confidence, probs, abstained=True)
        return Prediction(doc_type, confidence, probs)

    def predict(self, text: str, image_features: dict | None = None) -> Prediction:
        """Predict the document type of one OCR text (+ optional :func:`image_features`)."""
        return self.decide(self.predict_proba_many([text or ""], [image_features])[0], text or "")

    def predict_many(
        self, texts: list[str], features: list[dict | None] | None = None
    ) -> list[Prediction]:
        """Predict many documents at once (faster than repeated :meth:`predict`)."""
        texts = [t or "" for t in texts]
        features = features if features is not None else [None] * len(texts)
        rows = self.predict_proba_many(texts, list(features))
        return [self.decide(row, text) for row, text in zip(rows, texts)]

    # -- persistence --------------------------------------------------------------------
    def to_artifact(self) -> dict:
        """The dictionary stored in the joblib file."""
        import sklearn

        return {
            "format_version": FORMAT_VERSION,
            "sklearn_version": sklearn.__version__,
            "classes": self.classes,
            "threshold": self.threshold,
            "feature_names": list(IMAGE_FEATURE_NAMES),
            "feature_mean": self.feature_mean,
            "feature_scale": self.feature_scale,
            "vectorizer": self.vectorizer,
            "model": self.model,
            "calibrator": self.calibrator,
            "metadata": self.metadata,
        }

    def save(self, path: str | Path = DEFAULT_MODEL_PATH) -> Path:
        """Write the artifact (joblib, compressed); returns the path."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(self.to_artifact(), tmp, compress=("xz", 3))
        tmp.replace(path)
        return path

    @classmethod
    def from_artifact(cls, artifact: dict) -> DocumentClassifier | None:
        """Build a classifier from an artifact dict, or None when it is incompatible."""
        import sklearn

        if not isinstance(artifact, dict) or artifact.get("format_version") not in READABLE_FORMATS:
            log.warning(
                "classifier artifact has format %r, expected one of %r",
                artifact.get("format_version") if isinstance(artifact, dict) else None,
                READABLE_FORMATS,
            )
            return None
        if _minor(artifact.get("sklearn_version", "")) != _minor(sklearn.__version__):
            log.warning(
                "classifier trained with scikit-learn %s, running %s: retrain (python -m ml train)",
                artifact.get("sklearn_version"),
                sklearn.__version__,
            )
            return None
        if list(artifact.get("feature_names", [])) != list(IMAGE_FEATURE_NAMES):
            log.warning("classifier artifact has different image features")
            return None
        unknown = set(artifact.get("classes", [])) - set(DOC_TYPES)
        if unknown:
            log.warning("classifier artifact knows unknown classes %s", sorted(unknown))
            return None
        calibrator = artifact.get("calibrator") if artifact["format_version"] >= 2 else None
        if calibrator is not None and [str(c) for c in getattr(calibrator, "classes_", [])] != [
            str(c) for c in getattr(artifact.get("model"), "classes_", [])
        ]:
            log.warning("classifier artifact's calibrator does not match its model's classes")
            return None
        try:
            return cls(
                artifact["vectorizer"],
                artifact["model"],
                feature_mean=artifact["feature_mean"],
                feature_scale=artifact["feature_scale"],
                threshold=artifact["threshold"],
                metadata=artifact.get("metadata"),
                calibrator=calibrator,
            )
        except (KeyError, AttributeError, TypeError, ValueError) as exc:
            log.warning("classifier artifact is malformed: %s", exc)
            return None

    @classmethod
    def load(cls, path: str | Path | None = None) -> DocumentClassifier | None:
        """Load the artifact at *path* (default: the committed model); None if missing or
        unusable."""
        import joblib

        path = Path(path) if path is not None else DEFAULT_MODEL_PATH
        if not path.is_file():
            log.info("no classifier artifact at %s", path)
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                artifact = joblib.load(path)
        except Exception as exc:  # noqa: BLE001 - any unpickling failure means "no model"
            log.warning("cannot load classifier artifact %s: %s", path, exc)
            return None
        return cls.from_artifact(artifact)


def _minor(version: str) -> str:
    return ".".join(str(version).split(".")[:2])


_CACHED: dict[str, DocumentClassifier | None] = {}


def default_classifier() -> DocumentClassifier | None:
    """The committed classifier, loaded once per process (None when unavailable)."""
    key = str(DEFAULT_MODEL_PATH)
    if key not in _CACHED:
        _CACHED[key] = DocumentClassifier.load()
    return _CACHED[key]
