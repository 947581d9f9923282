"""The notes on lectures the prompts were never tuned on: two English, one Russian (run by hand).

    .venv/bin/python bench/notes_quality.py        # needs espeak-ng, festival and festvox-ru

Each lecture is spoken (espeak-ng for English, Festival's Russian voice), run through
`konspekt process` with the embedded defaults, and its summary.json and notes.pdf are scored:
  key terms   share of the lecture's key terms (listed below) that the notes carry
  copied      share of the abstract's sentences found word for word in the transcript
  length      abstract words / transcript words (goal: under a third)
  grounded    glossary terms that occur in the transcript
  WER         of the transcript against the script
and the PDF's headings are checked to be in the lecture's language.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import jiwer
from pypdf import PdfReader

from lecture_assets.notes.guards import copied_share, grounded
from lecture_assets.notes.i18n import headings
from lecture_assets.text import mentions

LECTURES = [
    {
        "name": "plate tectonics.mp3",
        "language": "en",
        "terms": [
            "plate tectonics",
            "lithosphere",
            "mantle",
            "subduction",
            "mid-ocean ridge",
            "earthquakes",
            "continental drift",
        ],
        "script": (
            "Today we study plate tectonics, the theory that explains how the surface of the "
            "Earth moves. The outer shell of the Earth, the lithosphere, is broken into large "
            "plates. These plates float on the hot and slowly flowing mantle below them. Where "
            "two plates move apart, magma rises and forms new crust at a mid-ocean ridge. The "
            "Atlantic Ocean grows a few centimetres every year because of such a ridge. Where "
            "two plates collide, one plate can sink under the other. This process is called "
            "subduction, and it creates deep ocean trenches and chains of volcanoes. When plates "
            "slide past each other, stress builds up along the fault and is released as "
            "earthquakes. The San Andreas fault in California is a famous example. The idea "
            "began with continental drift: Alfred Wegener noticed that the coasts of Africa and "
            "South America fit together like pieces of a puzzle. He also found the same fossils "
            "on both continents. Later, maps of the ocean floor showed the mid-ocean ridges and "
            "confirmed that the sea floor spreads. To sum up, the lithosphere is made of plates "
            "that move on the mantle, and their boundaries explain mountains, volcanoes and "
            "earthquakes."
        ),
    },
    {
        "name": "neural networks.mp3",
        "language": "en",
        "terms": [
            "neural network",
            "neurons",
            "weights",
            "activation function",
            "loss function",
            "gradient descent",
            "backpropagation",
            "overfitting",
        ],
        "script": (
            "In this lecture we introduce neural networks. A neural network is built from "
            "layers of simple units called neurons. Each neuron multiplies its inputs by "
            "weights, adds a bias, and passes the sum through an activation function. A common "
            "activation function is the rectified linear unit, which keeps positive values and "
            "sets negative values to zero. To train the network we need a loss function that "
            "measures how wrong the predictions are. For classification we usually use the "
            "cross entropy loss. Training means changing the weights to make the loss smaller. "
            "Gradient descent does this by moving each weight a small step against its "
            "gradient. The size of that step is the learning rate. Backpropagation is the "
            "algorithm that computes all the gradients efficiently, layer by layer, from the "
            "output back to the input. A large network can memorise the training data and fail "
            "on new data. This problem is called overfitting. We fight overfitting with more "
            "data, with dropout, and by stopping training early when the validation loss stops "
            "improving. So remember: neurons, weights, an activation function, a loss function, "
            "and gradient descent with backpropagation are the core of every neural network."
        ),
    },
    {
        "name": "клетка.wav",
        "language": "ru",
        "terms": ["клетка", "мембрана", "ядро", "митохондрии", "рибосомы", "белок"],
        "script": (
            "Сегодня мы изучаем строение клетки. Клетка является основной единицей жизни. "
            "Снаружи клетку окружает мембрана. Мембрана пропускает в клетку одни вещества и не "
            "пропускает другие. В центре клетки находится ядро. В ядре хранится наследственная "
            "информация в виде молекул ДНК. Энергию для клетки производят митохондрии. "
            "Митохондрии называют энергетическими станциями клетки. Рибосомы собирают белок из "
            "аминокислот. Каждый белок выполняет свою работу в клетке. Растительная клетка "
            "имеет ещё прочную стенку и хлоропласты. Итак, мембрана, ядро, митохондрии и "
            "рибосомы есть почти в каждой клетке."
        ),
    },
]


def speak(lecture: dict, folder: Path) -> Path:
    text = folder / "script.txt"
    text.write_text(lecture["script"], encoding="utf-8")
    wav = folder / "speech.wav"
    if lecture["language"] == "ru":
        voice = "(voice_msu_ru_nsh_clunits)"
        subprocess.run(["text2wave", "-eval", voice, str(text), "-o", str(wav)], check=True)
    else:
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-f", text, "-w", wav], check=True)
    from lecture_assets.asr.media import ffmpeg_exe

    target = folder / lecture["name"]
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", wav, target], check=True)
    return target


def words(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower().replace("ё", "е")).split())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DAGSTER_HOME": f"{tmp}/home", "KONSPEKT_DATA_DIR": f"{tmp}/data"}
        Path(tmp, "home").mkdir()
        for lecture in LECTURES:
            folder = Path(tmp) / lecture["name"].rsplit(".", 1)[0]
            folder.mkdir()
            recording = speak(lecture, folder)
            konspekt = Path(sys.executable).with_name("konspekt")
            proc = subprocess.run(
                [konspekt, "process", "--json", recording], env=env, capture_output=True, text=True
            )
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"\n== {lecture['name']}: {result['status']} {result['error'] or ''}")
            if result["status"] != "ok":
                continue
            report(lecture, Path(result["pdf"]).parent)


def report(lecture: dict, folder: Path) -> None:
    language = lecture["language"]
    transcript = json.loads((folder / "transcript.json").read_text())
    notes = json.loads((folder / "summary.json").read_text())
    spoken = " ".join(s["text"] for s in transcript["segments"])
    written = " ".join(
        [notes["abstract"], *notes["key_points"], *notes["key_terms"]]
        + [f"{t['term']} {t['definition']}" for t in notes["glossary"]]
        + [p for c in notes["chapters"] for p in [c["title"], *c["key_points"]]]
    )
    found = [t for t in lecture["terms"] if mentions(t, written, language)]
    glossary = [t["term"] for t in notes["glossary"]]
    on_pdf = " ".join(p.extract_text() for p in PdfReader(folder / "notes.pdf").pages)
    wanted = ("summary", "key_points", "chapters", "transcript")
    shown = [h for h in wanted if headings(language)[h] in on_pdf]
    wer = jiwer.wer(words(lecture["script"]), words(spoken))
    info = notes["summarizer"]
    missing = sorted(set(lecture["terms"]) - set(found))
    abstract_words, spoken_words = len(notes["abstract"].split()), len(spoken.split())
    rows = [
        f"language {transcript['language']} (model {transcript['model']}), WER {wer:.3f}",
        f"key terms in the notes: {len(found)}/{len(lecture['terms'])} "
        f"({len(found) / len(lecture['terms']):.0%}); missing: {missing}",
        f"abstract: {abstract_words} words for {spoken_words} spoken "
        f"({abstract_words / max(spoken_words, 1):.2f}); copied sentences "
        f"{copied_share(notes['abstract'], spoken):.0%}",
        f"glossary: {len(glossary)} terms, grounded "
        f"{sum(grounded(t, spoken, language) for t in glossary)}/{len(glossary)}",
        f"PDF headings in {language}: {len(shown)}/4; overview by {info.get('overview')}, "
        f"fallback chapters {info.get('fallback_chapters')}",
    ]
    print("\n".join(rows))
    print(f"abstract: {notes['abstract']}")
    for point in notes["key_points"]:
        print(f"  - {point}")


if __name__ == "__main__":
    main()
