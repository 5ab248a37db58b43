"""Secrets come from the environment; development generates them once; production refuses to start
without them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SETUP = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY[:6])"


def _run(env_extra: dict[str, str], var_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}}
    env.pop("JINGUO_DEV_SECRETS", None)
    env.update({"DJANGO_SETTINGS_MODULE": "jinguo.settings", "JINGUO_VAR_DIR": str(var_dir), **env_extra})
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_start_without_secrets_stops_with_a_message_naming_them(tmp_path):
    result = _run({"DEBUG": "0", "SECRET_KEY": "x" * 50}, tmp_path)
    assert result.returncode != 0
    assert "缺少必需的环境变量 FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY" in result.stderr
    assert not (tmp_path / "dev-secrets.env").exists()


def test_development_generates_missing_secrets_once_and_reuses_them(tmp_path):
    first = _run({"DEBUG": "1"}, tmp_path)
    assert first.returncode == 0, first.stderr
    store = tmp_path / "dev-secrets.env"
    keys = [line.split("=", 1)[0] for line in store.read_text().splitlines()]
    assert keys == ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"]
    assert oct(store.stat().st_mode & 0o777) == "0o600"
    second = _run({"DEBUG": "1"}, tmp_path)
    assert second.stdout == first.stdout


def test_secrets_from_the_environment_win_over_generated_ones(tmp_path):
    result = _run({"DEBUG": "1", "SECRET_KEY": "fromenv" + "y" * 43}, tmp_path)
    assert result.stdout.strip() == "fromen"
