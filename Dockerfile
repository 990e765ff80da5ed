# syntax=docker/dockerfile:1
# Readiness: one image for the migration step, the API and the workers (see docker-compose.yml).
#
# torch is pinned to 2.13.0 in pyproject.toml. By default this image installs the CPU build of that
# version from PyTorch's CPU index (no CUDA libraries, a much smaller image). The GPU worker needs a CUDA
# build: a CUDA wheel of the same version, e.g.
#   docker build --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128 -t readiness:gpu .
# (docker-compose.yml does this for worker-gpu), or a CUDA base image. The host needs the NVIDIA driver
# and the NVIDIA Container Toolkit. With a CPU wheel the GPU worker still runs, on the CPU.
FROM python:3.11-slim

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    READINESS_HOME=/data \
    READINESS_ARTIFACTS_DIR=/artifacts

# libgomp1: the OpenMP runtime XGBoost's wheel links against; python:3.11-slim does not carry it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# torch first, from TORCH_INDEX_URL, at exactly the version pyproject.toml pins: the heaviest layer,
# cached across source changes. `pip install` below then finds the pin already satisfied.
COPY pyproject.toml README.md ./
RUN pip install --index-url "$TORCH_INDEX_URL" "$(python -c 'import re, tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; print(next(d for d in deps if re.split(r"[\s=<>!~\[;]", d)[0] == "torch"))')"

# Editable on purpose: the Alembic scripts in migrations/ are not part of the wheel and
# service/database/migrate.py looks for them next to the source, so a plain `pip install .` would leave
# `readiness migrate` without its migrations.
COPY . .
RUN pip install -e .

# Named volumes mounted on /data and /artifacts start with this ownership, so the app can write there.
RUN useradd --create-home --uid 1000 readiness \
    && mkdir -p /data /artifacts \
    && chown readiness:readiness /data /artifacts
USER readiness

EXPOSE 8000
CMD ["readiness", "serve", "--no-worker", "--host", "0.0.0.0", "--port", "8000"]
