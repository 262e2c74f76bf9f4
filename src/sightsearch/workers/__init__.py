"""The distributed mode: Celery workers on Redis running the same stages as the embedded mode.

``workers.app`` is the Celery application (``celery -A sightsearch.workers.app``), ``workers.tasks`` the thin tasks,
``workers.pages`` and ``workers.batches`` the steps they run, ``workers.runstate`` a run's shared state in Redis,
``workers.coordinator`` submits and follows runs, ``workers.schedule`` feeds beat. Importing this package does not
import Celery.
"""

from sightsearch.workers.coordinator import follow, run_distributed, submit
from sightsearch.workers.schedule import CrawlSchedule, beat_schedule, parse_schedules

__all__ = ["CrawlSchedule", "beat_schedule", "follow", "parse_schedules", "run_distributed", "submit"]
