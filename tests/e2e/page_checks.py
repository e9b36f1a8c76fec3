"""What the every-page browser test checks on one loaded page: axe-core's WCAG 2.1 A/AA rules,
sideways scrolling, and words left in the wrong language or as raw translation keys.

Text that is people's own data (names, company names, addresses, login names, identifiers)
is marked in the templates with `translate="no"` (the HTML attribute that tells translators
to leave it as it is), or is code (`<code>`, `<kbd>`, `<samp>`, `<pre>`), or carries its own
`lang` (the language switch's 中文 / English): the word checks skip those.
"""

from __future__ import annotations

import re

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# The visible text of the page outside people's data, code and other-language parts.
VISIBLE_TEXT_JS = """() => {
  const skip = "script, style, noscript, template, code, kbd, samp, pre, [translate=no], [hidden]";
  const pageLang = (document.documentElement.lang || "").slice(0, 2);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest(skip)) continue;
    const own = el.closest("[lang]");
    if (own && own.lang.slice(0, 2) !== pageLang) continue;
    if (!el.getClientRects().length && !el.closest(".collapse, .dropdown-menu")) continue;
    const text = node.textContent.trim();
    if (text) out.push(text);
  }
  // What a screen reader says without showing it: labels and titles of controls.
  document.querySelectorAll("[aria-label], [title], [placeholder], img[alt]").forEach((el) => {
    if (el.closest(skip)) return;
    for (const a of ["aria-label", "title", "placeholder", "alt"]) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
  });
  return out;
}"""

AXE_JS = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " +
                                         (n.failureSummary || "").slice(0, 200)),
  }));
}"""

OVERFLOW_JS = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"

# A msgid that never became words: snake_case or dotted keys ("id_number", "reason.missing").
RAW_KEY = re.compile(r"(?<![\w./:@-])[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+(?![\w/:@-])")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# English left on a Chinese page: two or more words in a row, one of them lower case.
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'’-]+[A-Za-z][a-z]*)+\b")
# Names of things that stay Latin in Chinese too.
LATIN_IN_ZH = {"OneWindow", "PDF", "CSV", "BPMN", "SMS", "Email", "E-mail", "QR", "ID", "OCR"}


def wrong_words(texts: list[str], lang: str) -> list[str]:
    """The pieces of visible text in the wrong language, or raw keys."""
    found = []
    for text in texts:
        for key in RAW_KEY.findall(text):
            if not re.search(r"\.(?:pdf|csv|png|jpe?g|webp|tiff?|heic|bpmn|svg)$", key):  # files
                found.append(f"raw key {key!r} in {text[:80]!r}")
        if lang == "en" and CJK.search(text):
            found.append(f"Chinese on an English page: {text[:80]!r}")
        if lang == "zh":
            for run in ENGLISH_RUN.findall(text):
                if not set(run.replace(",", " ").split()) <= LATIN_IN_ZH:
                    found.append(f"English on a Chinese page: {run!r} in {text[:80]!r}")
    return found
