"""Whole-batch validation: every item checked against the files, the team's records and the other items,
every problem collected with the item it is about. Nothing is written (uploaded files stored to be
inspected are removed by the caller when the batch is refused)."""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from service.assessments.submit import assessment_config
from service.batches.answers import read_answers
from service.batches.budget import check_budgets
from service.batches.files import BatchFiles
from service.batches.plan import AssessmentPlan, BatchPlan, DatasetPlan, GridPlan, ProjectPlan
from service.batches.problems import BATCH_FILE, Problems
from service.batches.spec import AssessmentItem, BatchSpec, DatasetItem, GridItem, ProjectItem
from service.datasets.intake import inspect_upload, same_dataset, stored_suffix
from service.journal.grids import GridRequest, plan_grid
from service.ledger.budget import project_budget
from service.models import Dataset, Project
from service.settings import Settings
from workers.errors import ReadinessError
from workers.report.json_values import json_ready
from workers.rubric.scoring import score_readiness
from workers.split import DEFAULT_SEED


def plan_batch(
    session: Session, spec: BatchSpec, *, team_id: uuid.UUID, files: BatchFiles, settings: Settings
) -> BatchPlan:
    """Check everything; raises `InvalidBatch` listing every problem (the spec's own first)."""
    planner = _Planner(session, spec, team_id, files, settings)
    plan = planner.run()
    spec.problems.raise_if_any()
    return plan


class _Planner:
    def __init__(
        self, session: Session, spec: BatchSpec, team_id: uuid.UUID, files: BatchFiles, settings: Settings
    ) -> None:
        self.session = session
        self.spec = spec
        self.problems: Problems = spec.problems
        self.files = files
        self.settings = settings
        self.plan = BatchPlan(spec=spec, team_id=team_id)
        self.projects: dict[str, ProjectPlan] = {}
        self.datasets: dict[str, DatasetPlan] = {}
        self.unusable: dict[str, set[str]] = {kind: set(names) for kind, names in spec.broken.items()}

    def run(self) -> BatchPlan:
        items = self.spec.items
        for item in items:
            if isinstance(item, ProjectItem):
                self._project(item)
        for item in items:
            if isinstance(item, DatasetItem):
                self._dataset(item)
        for item in items:
            if isinstance(item, AssessmentItem):
                self._assessment(item)
            elif isinstance(item, GridItem):
                self._grid(item)
        check_budgets(self.session, self.plan, self.problems)
        self._check_files()
        return self.plan

    # projects -----------------------------------------------------------------------------------------

    def _team_projects(self, name: str) -> list[Project]:
        query = select(Project).where(Project.team_id == self.plan.team_id, Project.name == name)
        return list(self.session.scalars(query.order_by(Project.created_at)).all())

    def _project(self, item: ProjectItem) -> None:
        fields = item.fields
        if fields.name in self.projects or fields.name in self.unusable["project"]:
            self.problems.add(
                item.where, f"another project item is named {fields.name!r}.", "duplicate_name", item.position
            )
            return
        changes: dict[str, Any] = {}
        if fields.answers is not None:
            try:
                answers = read_answers(fields.answers, project=fields.name, files=self.files)
            except ReadinessError as error:
                self.problems.add_error(item.where, error, item.position)
                self.unusable["project"].add(fields.name)
                return
            changes["answers"] = answers.model_dump(mode="json", exclude_none=True)
            changes["readiness"] = json_ready(score_readiness(answers, None))
        if fields.description is not None:
            changes["description"] = fields.description
        if fields.test_budget is not None:
            changes["test_budget"] = fields.test_budget
        existing = self._team_projects(fields.name)
        if len(existing) > 1:
            self.problems.add(
                item.where,
                _ambiguous("projects", fields.name, existing),
                "ambiguous_reference",
                item.position,
            )
            self.unusable["project"].add(fields.name)
            return
        if existing:
            plan = ProjectPlan(row=existing[0], is_new=False, item=item, changes=changes)
        else:
            row = Project(
                team_id=self.plan.team_id,
                name=fields.name,
                test_budget=project_budget(changes.get("test_budget"), self.settings),
                answers=changes.get("answers"),
                readiness=changes.get("readiness"),
                description=changes.get("description"),
            )
            plan = ProjectPlan(row=row, is_new=True, item=item)
        self.projects[fields.name] = plan
        self.plan.projects.append(plan)

    def _project_ref(self, name: str, item_where: str, position: int) -> ProjectPlan | None:
        if name in self.projects:
            return self.projects[name]
        if name in self.unusable["project"]:
            return None  # its own problem is reported already
        rows = self._team_projects(name)
        if not rows and (project_id := _as_uuid(name)) is not None:
            rows = list(
                self.session.scalars(
                    select(Project).where(Project.id == project_id, Project.team_id == self.plan.team_id)
                ).all()
            )
        if len(rows) == 1:
            plan = ProjectPlan(row=rows[0], is_new=False)
            self.projects[name] = plan
            return plan
        if rows:
            detail = _ambiguous("projects", name, rows)
            code = "ambiguous_reference"
        else:
            detail = (
                f"unknown project {name!r}: no project item of the batch and no project of your team has that "
                f"name or id{_hint(name, self.projects)}."
            )
            code = "unknown_reference"
        self.problems.add(item_where, detail, code, position)
        self.unusable["project"].add(name)
        return None

    # datasets -----------------------------------------------------------------------------------------

    def _dataset(self, item: DatasetItem) -> None:
        fields = item.fields
        if item.label in self.datasets or item.label in self.unusable["dataset"]:
            self.problems.add(
                item.where,
                f"another dataset item is named {item.label!r}; give each dataset its own `name:`.",
                "duplicate_name",
                item.position,
            )
            return
        project = self._project_ref(fields.project, item.where, item.position)
        try:
            suffix = stored_suffix(fields.file)
            path = self.files.path(fields.file)
            found = inspect_upload(  # in a pooled, memory-limited process, as every upload
                path,
                target=fields.target,
                positive=fields.positive,
                max_bytes=self.settings.max_upload_bytes,
                name=PurePath(fields.file).name,
                limits=self.settings.table_limits,
                artifacts=self.files.artifacts,
                memory_bytes=self.settings.upload_memory_bytes,
                image_limits=self.settings.image_limits,
            )
            # What was read is kept for the jobs; a refused batch removes it with its files.
            self.files.keep(found)
        except ReadinessError as error:
            self.problems.add_error(item.where, error, item.position)
            self.unusable["dataset"].add(item.label)
            return
        if project is None:
            self.unusable["dataset"].add(item.label)
            return
        row = found.dataset_row(
            project_id=project.row.id,
            filename=PurePath(fields.file).name,
            stored_as=found.sha256 + suffix,
            size=path.stat().st_size,
        )
        existing = None if project.is_new else same_dataset(self.session, row)
        if existing is not None:
            plan = DatasetPlan(row=existing, project=project, is_new=False, item=item)
        else:
            plan = DatasetPlan(row=row, project=project, is_new=True, item=item)
        self.datasets[item.label] = plan
        self.plan.datasets.append(plan)

    def _dataset_ref(self, name: str, item_where: str, position: int) -> DatasetPlan | None:
        if name in self.datasets:
            return self.datasets[name]
        if name in self.unusable["dataset"]:
            return None
        dataset_id = _as_uuid(name)
        if dataset_id is not None:
            row = self.session.execute(
                select(Dataset, Project)
                .join(Project, Dataset.project_id == Project.id)
                .where(Dataset.id == dataset_id, Project.team_id == self.plan.team_id)
            ).first()
            if row is not None:
                plan = DatasetPlan(row=row[0], project=ProjectPlan(row=row[1], is_new=False), is_new=False)
                self.datasets[name] = plan
                return plan
        self.problems.add(
            item_where,
            f"unknown dataset {name!r}: no dataset item of the batch is named so (a dataset item's name is its "
            f"`name:`, else its file's name without the suffix), and no dataset of your team has that "
            f"id{_hint(name, self.datasets)}.",
            "unknown_reference",
            position,
        )
        self.unusable["dataset"].add(name)
        return None

    # assessments and grids ----------------------------------------------------------------------------

    def _assessment(self, item: AssessmentItem) -> None:
        dataset = self._dataset_ref(item.dataset, item.where, item.position)
        if dataset is None:
            return
        try:
            config = assessment_config(dataset.row, item.options, self.settings)
        except ReadinessError as error:
            self.problems.add_error(item.where, error, item.position)
            return
        queue = "gpu" if config.device == "cuda" else "cpu"
        self.plan.assessments.append(AssessmentPlan(item=item, dataset=dataset, config=config, queue=queue))

    def _grid(self, item: GridItem) -> None:
        dataset = self._dataset_ref(item.dataset, item.where, item.position)
        if dataset is None:
            return
        body = item.body
        request = GridRequest(
            model_family=body.model_family,
            grid=body.grid,
            seed=DEFAULT_SEED if body.seed is None else body.seed,
            split_seed=DEFAULT_SEED if body.split_seed is None else body.split_seed,
            keep_columns=tuple(body.keep_columns),
            split={"split": body.split, "time_column": body.time_column, "group_column": body.group_column},
            device=body.device,
            name=body.name or item.label,
            hypothesis=body.hypothesis,
            tags=tuple(body.tags),
        )
        try:
            plan_grid(dataset.row, request)
        except ReadinessError as error:
            self.problems.add_error(item.where, error, item.position)
            return
        self.plan.grids.append(GridPlan(item=item, dataset=dataset, request=request))

    # the files given with the batch --------------------------------------------------------------------

    def _check_files(self) -> None:
        for name in sorted(set(self.files.repeated)):
            self.problems.add(
                BATCH_FILE,
                f"two uploaded files are named {name!r}; give them distinct names.",
                "duplicate_file",
            )
        for name in self.files.unused(self.spec.named_files):
            self.problems.add(
                BATCH_FILE,
                f"the uploaded file {name!r} is named by no item (a dataset's `file:` or a project's `answers:`).",
                "unused_file",
            )


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _ambiguous(what: str, name: str, rows: list[Any]) -> str:
    ids = ", ".join(str(row.id) for row in rows)
    return f"{len(rows)} {what} of your team are named {name!r} ({ids}); refer to one by its id."


def _hint(name: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
