"""Acting on batches from the dashboard: submit one (the batch file and the files it names, uploaded as
the API takes them) and cancel one. A refused batch lists every problem as the API does; nothing is
recorded or queued."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from service.batches import InvalidBatch, Problem, UploadedFiles, submit_batch
from service.batches.cancel import cancel_batch
from service.batches.upload import read_spec_text
from service.dashboard.deps import CheckedForm, SignedInDep, local_path
from service.dashboard.forms import text
from service.dashboard.pages.batches import BatchPage
from service.dashboard.templating import render
from service.settings import Settings
from service.web.deps import ArtifactsDep, EngineDep, JobAppDep, SessionDep, SettingsDep, who
from workers.errors import ReadinessError

router = APIRouter()

ACCEPTED_SPEC = ".yaml,.yml,.json"


def _form_page(
    request: Request,
    settings: Settings,
    *,
    errors: dict[str, str],
    problems: list[Problem],
    status: int = 200,
) -> Response:
    return render(
        request,
        "batch_new.html",
        {
            "title": "Submit a batch",
            "nav": "batches",
            "errors": errors,
            "problems": problems,
            "accept": ACCEPTED_SPEC,
            "max_mb": f"{settings.max_upload_mb:g}",
        },
        status_code=status,
    )


@router.get("/batches/new")
def submit_form(request: Request, _who: SignedInDep, settings: SettingsDep) -> Response:
    """The batch form: the batch file, and the dataset and answers files it names."""
    return _form_page(request, settings, errors={}, problems=[])


@router.post("/batches/new")
def submit(
    request: Request,
    form: CheckedForm,
    signed_in: SignedInDep,
    engine: EngineDep,
    job_app: JobAppDep,
    settings: SettingsDep,
    artifacts: ArtifactsDep,
) -> Response:
    """Check the whole batch as the API does, then record and queue every item; on to the batch's page."""
    spec = form.get("spec")
    if not isinstance(spec, UploadFile) or not spec.filename:
        return _form_page(
            request,
            settings,
            errors={"spec": "Choose the batch file (YAML or JSON; see docs/batches.md)."},
            problems=[],
            status=400,
        )
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    try:
        batch = submit_batch(
            engine,
            job_app,
            text=read_spec_text(spec.file),
            filename=spec.filename,
            team_id=signed_in.team_id,
            files=UploadedFiles(files, artifacts, max_bytes=settings.max_upload_bytes),  # type: ignore[arg-type]
            settings=settings,
            who=who(signed_in.key),
        )
    except InvalidBatch as refused:  # every problem, each beside the item it is about
        head = refused.detail.split("\n", 1)[0]
        return _form_page(request, settings, errors={"spec": head}, problems=refused.problems, status=422)
    except ReadinessError as error:  # a file over the upload limit, and the like
        return _form_page(
            request, settings, errors={"spec": error.detail}, problems=[], status=error.http_status
        )
    return RedirectResponse(f"/batches/{batch.id}", status_code=303)


@router.post("/batches/{batch_id}/cancel")
def cancel(
    batch: BatchPage,
    form: CheckedForm,
    signed_in: SignedInDep,
    session: SessionDep,
    engine: EngineDep,
    job_app: JobAppDep,
) -> Response:
    """Cancel what of the batch still runs; back to the page the button was on."""
    cancel_batch(engine, session, job_app, batch, who=who(signed_in.key))
    return RedirectResponse(local_path(text(form, "next") or f"/batches/{batch.id}"), status_code=303)
