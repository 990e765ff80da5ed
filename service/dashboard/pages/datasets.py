"""Uploading a dataset: a file, its label column and positive class; a bad file is answered on the form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from service.dashboard.deps import CheckedForm, ProjectPage
from service.dashboard.forms import field_of, text
from service.dashboard.templating import render
from service.datasets.intake import take_in
from service.models import Project
from service.settings import Settings
from service.web.deps import ArtifactsDep, EngineDep, SessionDep, SettingsDep
from workers.errors import ReadinessError

router = APIRouter()

ACCEPTED = ".csv,.parquet,.pq,.zip"
UPLOAD_FIELDS = ("file", "target", "positive")


def _form_page(
    request: Request,
    project: Project,
    settings: Settings,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "dataset_new.html",
        {
            "title": f"Upload a dataset to {project.name}",
            "project": project,
            "values": values,
            "errors": errors,
            "accept": ACCEPTED,
            "max_bytes": settings.max_upload_bytes,
            "max_mb": f"{settings.max_upload_mb:g}",
        },
        status_code=status,
    )


@router.get("/projects/{project_id}/datasets/new")
def upload_form(request: Request, project: ProjectPage, settings: SettingsDep) -> Response:
    """The upload form."""
    return _form_page(request, project, settings, values={}, errors={})


@router.post("/projects/{project_id}/datasets/new")
def upload(
    request: Request,
    project: ProjectPage,
    form: CheckedForm,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    artifacts: ArtifactsDep,
) -> Response:
    """Store, read and check the file; on success the project page shows the dataset's findings."""
    values = {"target": text(form, "target"), "positive": text(form, "positive")}
    file = form.get("file")
    errors: dict[str, str] = {}
    if not isinstance(file, UploadFile) or not file.filename:
        errors["file"] = (
            "Choose a CSV (.csv), Parquet (.parquet, .pq) or zip of images (.zip) file to upload."
        )
    if not values["target"]:
        errors["target"] = "Name the label column: the one the model should predict."
    if not errors:
        assert isinstance(file, UploadFile)
        try:
            dataset = take_in(
                session,
                engine,
                artifacts,
                file,
                project_id=project.id,
                target=values["target"],
                positive=values["positive"] or None,
                max_bytes=settings.max_upload_bytes,
                limits=settings.table_limits,
                memory_bytes=settings.upload_memory_bytes,
                image_limits=settings.image_limits,
            )
        except ReadinessError as error:
            errors[field_of(error, UPLOAD_FIELDS, "file")] = error.detail
        else:
            return RedirectResponse(
                f"/projects/{project.id}?saved=dataset#dataset-{dataset.id}", status_code=303
            )
    return _form_page(request, project, settings, values=values, errors=errors, status=400)
