"""Batch submission: many projects, datasets, assessments and grids from one file, checked as a whole
(one bad item refuses the batch, with every problem listed and nothing written), then queued at once."""

from service.batches.files import BatchFiles, LocalFiles, UploadedFiles
from service.batches.problems import InvalidBatch, Problem
from service.batches.spec import MAX_SPEC_BYTES
from service.batches.status import BatchStatus, ItemStatus, batch_status
from service.batches.submit import submit_batch

__all__ = [
    "MAX_SPEC_BYTES",
    "BatchFiles",
    "BatchStatus",
    "InvalidBatch",
    "ItemStatus",
    "LocalFiles",
    "Problem",
    "UploadedFiles",
    "batch_status",
    "submit_batch",
]
