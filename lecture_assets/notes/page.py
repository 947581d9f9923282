"""Lecture notes as one HTML page that plays the lecture: click any time to hear it from there.

The page is self-contained (CSS and script inline, system fonts, a CSP that forbids the network);
the recording and the slide pictures are linked relatively, so it works from the lecture folder
over file:// or any static server and stays small.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from konspekt.files import write_text
from lecture_assets.notes.i18n import headings
from lecture_assets.notes.pdf import NotesInfo, paragraphs
from lecture_assets.records import Chapter, SlideDeck, Summary, Transcript, clock
from lecture_assets.text import split_sentences

# Words only this page prints; the PDF's headings stay in i18n.
_WORDS = {"en": {"follow": "Follow the transcript"}, "ru": {"follow": "Следить за расшифровкой"}}
# A WebM is the pipeline's Opus audio unless its name says it holds video.
_VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".video.webm")

_CSS = """
html{scroll-padding-top:calc(var(--bar,0px) + .5rem)}
body{margin:0;color:#1b1b1f;background:#fff;font:1rem/1.55 system-ui,-apple-system,"Segoe UI",
Roboto,"Noto Sans","DejaVu Sans","Liberation Sans",Arial,sans-serif}
main{max-width:60rem;margin:0 auto;padding:0 1rem 4rem}
#bar{position:sticky;top:0;z-index:1;background:#f4f6f9f2;border-bottom:1px solid #d8dce3}
#bar .inner{display:flex;gap:1rem;align-items:center;max-width:60rem;margin:0 auto;
padding:.5rem 1rem}
#bar .controls{flex:1;min-width:0}#bar label{font-size:.85rem;color:#555}
audio#player{width:100%}video#player{width:100%;max-height:40vh;background:#000}
#now-slide{margin:0;width:12rem;flex:none}
#now-slide img{width:100%;display:block;border:1px solid #ccc}
#now-slide figcaption,figure.slide figcaption{font-size:.8rem;color:#555;overflow:hidden;
text-overflow:ellipsis;white-space:nowrap}
h1{line-height:1.25;margin:1.2rem 0 .3rem}h2{margin-top:2rem;border-bottom:1px solid #e3e3e8}
.meta{color:#555;font-size:.9rem}nav a{margin-right:.8rem;font-size:.9rem;color:#1a4f8b}
.t{color:#1a4f8b;font-variant-numeric:tabular-nums}.playable .t{cursor:pointer}
span.t{font-size:.88em;background:#eaf0f8;border-radius:.25rem;padding:0 .3rem;white-space:nowrap}
.playable span.t:hover,.t:focus-visible{background:#cfdcef;outline:none}
.thumbs{display:flex;flex-wrap:wrap;gap:.75rem;margin:.5rem 0}
figure.slide{margin:0;width:12rem}figure.slide img{width:100%;display:block;border:1px solid #ccc}
.playable figure.slide:hover img{border-color:#1a4f8b}
dt{font-weight:600}dd{margin:0 0 .6rem 1.5rem}details{margin:.5rem 0}
summary{cursor:pointer;font-weight:600}
.para{color:inherit;margin:.3rem -.4rem;padding:.2rem .4rem;border-radius:.3rem}
.para .clock{color:#1a4f8b;font-size:.85em;margin-right:.4rem}.para.now{background:#fff1a8}
.playable .para:hover{background:#f1f4f8}.playable .para.now:hover{background:#ffe97a}
@media (max-width:40rem){#now-slide{width:7rem}}
@media print{#bar,nav{display:none}body{font-size:11pt}.t,span.t{color:inherit;background:none}
.para.now{background:none}figure.slide,details{break-inside:avoid}h2,h3{break-after:avoid}}
"""

# Reads nothing the lecture wrote except data-start attributes and the JSON block below it.
_SCRIPT = r"""
(() => {
  const player = document.getElementById('player');
  if (!player) return;
  const bar = document.getElementById('bar');
  const follow = document.getElementById('follow');
  const paras = [...document.querySelectorAll('#transcript .para')];
  const starts = paras.map((p) => +p.dataset.start);
  const data = document.getElementById('slides-data');
  const slides = data ? JSON.parse(data.textContent) : [];
  const panel = document.getElementById('now-slide');
  // Times shown under the sticky bar would be hidden by it.
  const pad = () => document.documentElement.style.setProperty('--bar', bar.offsetHeight + 'px');
  new ResizeObserver(pad).observe(bar);
  const seek = (el) => {
    player.currentTime = +el.dataset.start;
    const playing = player.play();
    if (playing) playing.catch(() => {});
  };
  document.addEventListener('click', (e) => {
    const el = e.target.closest('[data-start]');
    // Selecting words of a paragraph is reading, not a request to jump there.
    if (el && !String(window.getSelection())) seek(el);
  });
  document.addEventListener('keydown', (e) => {
    const el = (e.key === 'Enter' || e.key === ' ') && e.target.closest('[data-start]');
    if (el) { e.preventDefault(); seek(el); }
  });
  const slideAt = (t) => {
    let best = null, since = -Infinity, latest = null, latestAt = -Infinity;
    for (const s of slides) for (const [a, b] of s.spans) {
      if (a <= t && t < b && a > since) { best = s; since = a; }
      if (a <= t && a > latestAt) { latest = s; latestAt = a; }
    }
    return best || latest;
  };
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.bottom > bar.offsetHeight && box.top < window.innerHeight;
  };
  let now = -1, shown = null;
  const update = () => {
    const t = player.currentTime;
    const index = starts.findLastIndex((s) => s <= t + 1e-3);
    if (index !== now) {
      // Follow only a reader who was watching the transcript: one reading a chapter stays put.
      const watching = visible(now >= 0 ? paras[now] : document.getElementById('transcript'));
      if (now >= 0) paras[now].classList.remove('now');
      now = index;
      if (now >= 0) {
        paras[now].classList.add('now');
        if (follow.checked && watching) paras[now].scrollIntoView({block: 'nearest'});
      }
    }
    const slide = panel && slideAt(t);
    if (slide && slide !== shown) {
      shown = slide;
      panel.hidden = false;
      panel.querySelector('img').src = slide.src;
      panel.querySelector('figcaption').textContent = slide.caption;
    }
  };
  // notes.md and the course notes link to a moment as notes.html#t=<seconds>.
  const fromHash = () => {
    const m = /^#t=([0-9]+(?:\.[0-9]+)?)$/.exec(location.hash);
    if (m) player.currentTime = +m[1];
  };
  window.addEventListener('hashchange', fromHash);
  if (player.readyState >= 1) fromHash();
  else player.addEventListener('loadedmetadata', fromHash, {once: true});
  player.addEventListener('timeupdate', update);
  player.addEventListener('seeked', update);
  follow.addEventListener('change', () => {
    if (follow.checked && now >= 0) paras[now].scrollIntoView({block: 'nearest'});
  });
  window.addEventListener('beforeprint', () => {
    for (const d of document.querySelectorAll('details')) d.open = true;
  });
})();
"""

# The script is pinned by its hash rather than 'unsafe-inline': should a lecture's text ever
# slip past the escaping, an injected <script> or onerror= still would not run. Chromium lets
# 'self' match the folder's files over file:// (the tests load the page so); file: is for
# browsers whose 'self' matches nothing there. Neither reaches the network.
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; img-src 'self' file: data:; media-src 'self' file:; "
    f"style-src 'unsafe-inline'; script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; "
    "form-action 'none'"
)


def build_page(
    target: Path,
    transcript: Transcript,
    summary: Summary,
    info: NotesInfo,
    slides: SlideDeck | None,
    media: str | None,
) -> int:
    """Write notes.html atomically at target; returns the number of clickable times.

    ``media`` is the recording's file name relative to the page's folder (None: no player, the
    times are shown but seek nothing). Slide pictures are linked from that folder too, never
    embedded. The content and its order follow the PDF notes.
    """
    writer = _Writer(target.parent, transcript, summary, slides, playable=media is not None)
    body = writer.sections()
    language = summary.language or "en"
    bar = _bar(media, writer.slide_data(), _WORDS.get(language, _WORDS["en"])["follow"])
    meta = " · ".join(
        f"{_e(writer.h[label])}: {_e(value)}"
        for label, value in [
            ("source", info.source),
            ("duration", clock(transcript.duration)),
            ("date", info.created),
            ("models", info.models),
        ]
        if value
    )
    page = f"""<!DOCTYPE html>
<html lang="{_e(language)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="konspekt">
<title>{_e(info.title)}</title>
<style>{_CSS}</style>
</head>
<body class="{"playable" if media is not None else "static"}">
{bar}<main>
<h1>{_e(info.title)}</h1>
<p class="meta">{meta}</p>
{body}
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""
    write_text(target, page)
    return writer.times.count


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _json(data: object) -> str:
    """JSON safe inside <script>: no '</script>' or '<!--' can be spelled with it."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def is_video(media: str) -> bool:
    """Whether ``media`` plays in a <video> (by name: .mp4 .m4v .mov, or *.video.webm)."""
    return media.lower().endswith(_VIDEO_SUFFIXES)


def _bar(media: str | None, slide_data: list[dict], follow: str) -> str:
    """The sticky bar: the player, the follow switch and, for audio, the slide on screen."""
    if media is None:
        return ""
    tag = "video" if is_video(media) else "audio"
    player = f'<{tag} id="player" controls preload="metadata" src="{_e(quote(media))}"></{tag}>'
    panel = data = ""
    # A video shows its own slides; audio gets the picture of the one on screen.
    if slide_data and tag == "audio":
        panel = '<figure id="now-slide" hidden><img alt=""><figcaption></figcaption></figure>'
        data = f'<script type="application/json" id="slides-data">{_json(slide_data)}</script>\n'
    switch = f'<label><input type="checkbox" id="follow" checked> {_e(follow)}</label>'
    return (
        f'<header id="bar"><div class="inner"><div class="controls">{player}{switch}</div>'
        f"{panel}</div></header>\n{data}"
    )


@dataclass
class _Times:
    """Writes every clickable time, so what build_page counts is what the page holds."""

    playable: bool
    count: int = 0

    def mark(
        self, seconds: float, inner: str, tag: str = "span", css: str = "", attrs: str = ""
    ) -> str:
        """``inner`` is HTML the caller escaped."""
        self.count += 1
        keys = ' role="button" tabindex="0"' if self.playable else ""
        start = repr(round(float(seconds), 3))
        classes = f"t {css}".strip()
        return f'<{tag}{attrs} class="{classes}" data-start="{start}"{keys}>{inner}</{tag}>'

    def chip(self, seconds: float | None) -> str:
        return "" if seconds is None else self.mark(seconds, _e(clock(seconds)))


class _Writer:
    """The page's sections, each HTML with every lecture-derived string escaped."""

    def __init__(
        self,
        folder: Path,
        transcript: Transcript,
        summary: Summary,
        slides: SlideDeck | None,
        playable: bool,
    ) -> None:
        self.transcript, self.summary = transcript, summary
        self.h = headings(summary.language)
        self.times = _Times(playable)
        self.deck = slides.slides if slides else []
        # A picture missing from the folder gets its caption alone, not a broken image.
        self.pictures = {
            n: quote(s.image) for n, s in enumerate(self.deck, 1) if (folder / s.image).is_file()
        }
        self.sentence_times = {s.text: s.start for s in split_sentences(transcript.segments)}

    def sections(self) -> str:
        h, summary = self.h, self.summary
        parts = [("summary", h["summary"], f"<p>{_e(summary.abstract or h['no_speech'])}</p>")]
        if summary.key_points:
            parts.append(("key-points", h["key_points"], self.points(summary.key_points)))
        if summary.chapters:
            chapters = "".join(self.chapter(c) for c in summary.chapters)
            parts.append(("chapters", h["chapters"], chapters))
        if summary.glossary:
            parts.append(("glossary", h["glossary"], self.glossary()))
        elif summary.key_terms:
            parts.append(("key-terms", h["key_terms"], self.key_terms()))
        if self.deck:
            parts.append(("slides", h["slides"], self.slide_list()))
        if summary.questions:
            parts.append(("questions", h["questions"], self.questions()))
        parts.append(("transcript", h["transcript"], self.transcript_paragraphs()))
        nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _ in parts)
        return f"<nav>{nav}</nav>\n" + "\n".join(
            f'<section id="{key}"><h2>{_e(title)}</h2>{inner}</section>'
            for key, title, inner in parts
        )

    def points(self, items: list[str]) -> str:
        rows = []
        for point in items:
            chip = self.times.chip(self.sentence_times.get(point))
            rows.append(f"<li>{chip + ' ' if chip else ''}{_e(point)}</li>")
        return f"<ul>{''.join(rows)}</ul>"

    def chapter(self, ch: Chapter) -> str:
        span = self.times.mark(ch.start, _e(f"{clock(ch.start)}–{clock(ch.end)}"))
        parts = [f"<h3>{span} {_e(ch.title)}</h3>"]
        figures = [self.figure(n, ch) for n in ch.slides if 1 <= n <= len(self.deck)]
        if figures:
            parts.append(f'<div class="thumbs">{"".join(figures)}</div>')
        if ch.summary:
            parts.append(f"<p>{_e(ch.summary)}</p>")
        if ch.key_points:
            parts.append(self.points(ch.key_points))
        return f'<article class="chapter">{"".join(parts)}</article>'

    def figure(self, number: int, ch: Chapter) -> str:
        slide = self.deck[number - 1]
        # The time it came up in this chapter (a slide shown twice has two), as the PDF does.
        spans = slide.shown or [(slide.start, slide.end)]
        at = max(
            min((a for a, b in spans if b > ch.start and a < ch.end), default=ch.start), ch.start
        )
        caption = f"{self.h['slide']} {number} · {clock(at)}  {slide.title}".strip()
        src = self.pictures.get(number)
        picture = f'<img src="{_e(src)}" loading="lazy" alt="">' if src else ""
        inner = f"{picture}<figcaption>{_e(caption)}</figcaption>"
        return self.times.mark(at, inner, "figure", "slide", f' title="{_e(slide.title)}"')

    def glossary(self) -> str:
        rows = []
        for term in self.summary.glossary:
            chip = self.times.chip(term.start)
            dt = f"{_e(term.term)}{' ' + chip if chip else ''}"
            rows.append(f"<dt>{dt}</dt><dd>{_e(term.definition)}</dd>")
        return f"<dl>{''.join(rows)}</dl>"

    def key_terms(self) -> str:
        rows = []
        for term in self.summary.key_terms:
            chip = self.times.chip(self.summary.term_times.get(term))
            first = f" ({_e(self.h['first_at'])} {chip})" if chip else ""
            rows.append(f"<li>{_e(term)}{first}</li>")
        return f"<ul>{''.join(rows)}</ul>"

    def slide_list(self) -> str:
        rows = [
            f"<li>{self.times.chip(s.start)} {_e(s.title or self.h['slide'] + ' ' + str(n))}</li>"
            for n, s in enumerate(self.deck, 1)
        ]
        return f"<ol>{''.join(rows)}</ol>"

    def questions(self) -> str:
        return "".join(
            f"<details><summary>{n}. {_e(q.question)}</summary>"
            f"<p><strong>{_e(self.h['answer'])}:</strong> {_e(q.answer)}</p></details>"
            for n, q in enumerate(self.summary.questions, 1)
        )

    def transcript_paragraphs(self) -> str:
        chapters = self.summary.chapters
        groups = paragraphs(self.transcript, breaks=[c.start for c in chapters[1:]])
        if not groups:
            return f"<p>{_e(self.h['no_speech'])}</p>"
        starts = [c.start for c in chapters]
        rows, titled = [], -1
        for index, (start, text) in enumerate(groups):
            # A chapter's title heads the first paragraph that starts within it.
            number = bisect_right(starts, start + 1e-6) - 1
            if len(chapters) > 1 and number > titled:
                titled = max(number, 0)
                rows.append(
                    f"<h3>{_e(clock(chapters[titled].start))} {_e(chapters[titled].title)}</h3>"
                )
            inner = f'<span class="clock">{_e(clock(start))}</span> {_e(text)}'
            rows.append(self.times.mark(start, inner, "p", "para", f' id="p{index}"'))
        return "".join(rows)

    def slide_data(self) -> list[dict]:
        """What the bar's slide panel needs: picture, caption and every stretch on screen."""
        return [
            {
                "src": self.pictures[n],
                "caption": f"{self.h['slide']} {n}  {s.title}".strip(),
                "spans": [list(span) for span in (s.shown or [(s.start, s.end)])],
            }
            for n, s in enumerate(self.deck, 1)
            if n in self.pictures
        ]
