"""The routers, one per resource, gathered under /api/v1."""

from fastapi import APIRouter

from service.api.routes import (
    assessments,
    batches,
    datasets,
    experiments,
    grids,
    health,
    label_noise,
    projects,
    scoring,
    splits,
)

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(projects.router)
api_router.include_router(scoring.router)
api_router.include_router(datasets.router)
api_router.include_router(assessments.router)
api_router.include_router(label_noise.router)
api_router.include_router(splits.router)
api_router.include_router(experiments.router)
api_router.include_router(grids.router)
api_router.include_router(batches.router)
