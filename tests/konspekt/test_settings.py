import pytest

from konspekt.errors import SettingsError
from konspekt.settings import Settings


def test_unset_and_empty_variables_mean_the_embedded_defaults():
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({"KONSPEKT_WHISPER_MODEL": "", "KONSPEKT_VAD": "  "}) == Settings()
    defaults = Settings()
    assert (defaults.whisper_model, defaults.summarizer, defaults.llm_model) == (
        "auto",
        "llm",
        "bundled",
    )
    assert Settings(data_dir="/srv").models_path == "/srv/models"


def test_every_variable_is_read():
    env = {
        "KONSPEKT_DATA_DIR": "/srv/data",
        "KONSPEKT_INBOX": "/srv/inbox",
        "KONSPEKT_MAX_MINUTES": "90",
        "KONSPEKT_WHISPER_MODEL": "small",
        "KONSPEKT_DEVICE": "cpu",
        "KONSPEKT_LANGUAGE": "ru",
        "KONSPEKT_VAD": "pyannote",
        "KONSPEKT_SUMMARIZER": "extractive",
        "KONSPEKT_LLM_MODEL": "/srv/qwen.gguf",
        "KONSPEKT_MODELS_DIR": "/srv/models",
    }
    assert Settings.from_env(env) == Settings(
        data_dir="/srv/data",
        inbox="/srv/inbox",
        max_minutes=90.0,
        whisper_model="small",
        device="cpu",
        language="ru",
        vad="pyannote",
        summarizer="extractive",
        llm_model="/srv/qwen.gguf",
        models_dir="/srv/models",
    )


@pytest.mark.parametrize("value", ["abc", "-5", "nan", "inf"])
def test_a_bad_maximum_length_is_one_sentence_naming_the_variable(value):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"KONSPEKT_MAX_MINUTES": value})
    assert str(caught.value) == (
        f"KONSPEKT_MAX_MINUTES must be a number of minutes (0 for no limit), not {value!r}."
    )


@pytest.mark.parametrize("value", ["gpu", "cuda:x", "tpu", "mps"])
def test_an_unknown_device_is_one_sentence(value):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"KONSPEKT_DEVICE": value})
    assert str(caught.value) == (f"KONSPEKT_DEVICE must be auto, cpu or cuda, not {value!r}.")


def test_cuda_asked_for_on_a_machine_without_it_is_one_sentence():
    import torch

    from konspekt.settings import require_device

    require_device("cpu")
    if torch.cuda.is_available():
        require_device("cuda")  # a GPU machine: nothing to refuse
        return
    with pytest.raises(SettingsError) as caught:
        require_device("cuda")
    assert str(caught.value) == (
        "KONSPEKT_DEVICE is cuda, but no CUDA GPU is visible here; set it to auto or cpu."
    )


def test_make_run_stops_at_a_bad_setting_with_one_sentence(tmp_path):
    import subprocess
    import sys

    (tmp_path / "data").write_text("")
    env = {"KONSPEKT_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "konspekt.instance", str(tmp_path / "home")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"konspekt: KONSPEKT_DATA_DIR is {tmp_path / 'data'}, which is a file; it must name a "
        "folder (created if missing)."
    )
    assert not (tmp_path / "home").exists()
