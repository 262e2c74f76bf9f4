"""Entry points for external orchestrators (Airflow): the pipeline's steps as plain functions over store references.

Nothing here imports an orchestrator; ``airflow/dags/`` imports these functions inside its tasks.
"""

from sightsearch.orchestration.airflow_tasks import (
    BatchesRef, orchestrated_run_id, process_images, scrape, store, validate,
)

__all__ = ["BatchesRef", "orchestrated_run_id", "process_images", "scrape", "store", "validate"]
