# The Celery app is created with Django so that tasks published from requests use its settings.
from cplatform.celery import app as celery_app

__all__ = ["celery_app"]
