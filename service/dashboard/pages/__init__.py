"""The dashboard's routers, one per page group; `/projects/new` must come before `/projects/{id}` (and
`/batches/new` before `/batches/{id}`)."""

from fastapi import APIRouter

from service.dashboard.pages import (
    assessments,
    batch_actions,
    batches,
    budget,
    datasets,
    grid_actions,
    grids,
    journal,
    project,
    projects,
    signin,
)

pages_router = APIRouter(include_in_schema=False)  # pages, not API: kept out of the OpenAPI document
pages_router.include_router(signin.router)
pages_router.include_router(projects.router)
pages_router.include_router(project.router)
pages_router.include_router(datasets.router)
pages_router.include_router(assessments.router)
pages_router.include_router(journal.router)
pages_router.include_router(grids.router)
pages_router.include_router(grid_actions.router)
pages_router.include_router(batch_actions.router)  # /batches/new before /batches/{id}
pages_router.include_router(batches.router)
pages_router.include_router(budget.router)
