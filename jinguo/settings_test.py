"""Settings for the test suite: the real settings, with development secrets allowed."""

import os

os.environ.setdefault("JINGUO_DEV_SECRETS", "1")

from jinguo.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
