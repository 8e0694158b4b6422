"""Settings for the test suite: the production module with HTTP allowed, fast hashing and, without Redis,
tasks in-process.

The browser tests talk plain HTTP to a live server, and hashed static names would
need a collectstatic before every run.
"""

import os

os.environ.setdefault("HTTPS_ONLY", "false")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Static files are served from the app folders by the finders; nothing is collected.
STATIC_ROOT = VAR_DIR / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405

if REDIS_URL:  # noqa: F405
    # A queue of this run's own: a worker of anything else on the same Redis database (another suite, a
    # leftover `make run`) can never take this suite's tasks, nor this suite's workers theirs. The name is
    # passed on in the environment, so a worker the suite starts as a process listens on the same queue.
    CELERY_TASK_DEFAULT_QUEUE = os.environ.setdefault("POSTSALE_TEST_QUEUE", f"postsale-test-{os.getpid()}")
else:
    # Without Redis the suite runs its tasks in-process, and each test process keeps its own cache: the
    # embedded default's file broker and file cache are for `make run` (a test of them sets them up itself).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = True
