# One image for the API, the worker and the dashboard; the command picks the role.
# Packages come from requirements.lock (pinned, hashes checked; locked for CPython 3.11 on Linux
# x86_64, which this base image is on amd64 hosts); the processes run as the unprivileged user wfm.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --system --gid 10001 wfm \
    && useradd --system --uid 10001 --gid wfm --create-home --home-dir /home/wfm wfm
WORKDIR /app
# the dask extra is in the lock: the same image serves as the Dask scheduler and workers
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY wfm ./wfm
COPY erlang ./erlang
COPY forecasting ./forecasting
COPY scheduling ./scheduling
COPY api ./api
COPY dashboard ./dashboard
RUN pip install --no-deps --no-build-isolation . && rm -rf build
USER wfm:wfm
ENV HOME=/home/wfm
EXPOSE 8000 8501
CMD ["wfm", "--help"]
