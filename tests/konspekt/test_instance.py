import dagster as dg

from konspekt.instance import LOCAL_CONFIG, prepare_home


def pool_limit(home) -> int | None:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return instance.get_concurrency_config().pool_config.default_pool_limit


def test_a_new_home_links_the_repository_settings(tmp_path):
    home = tmp_path / "home"
    link = prepare_home(home)
    assert link.is_symlink() and link.resolve() == LOCAL_CONFIG.resolve()
    assert prepare_home(home) == link  # again: nothing changes
    assert pool_limit(home) == 1


def test_the_telemetry_only_file_of_earlier_versions_is_replaced(tmp_path):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    assert pool_limit(tmp_path) is None  # the defect: no heavy pool limit
    prepare_home(tmp_path)
    assert pool_limit(tmp_path) == 1


def test_an_operators_own_settings_are_kept(tmp_path):
    own = "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 3\n"
    (tmp_path / "dagster.yaml").write_text(own)
    prepare_home(tmp_path)
    assert (tmp_path / "dagster.yaml").read_text() == own and pool_limit(tmp_path) == 3
