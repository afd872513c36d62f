# One image for the API, the worker and the dashboard; the command picks the role.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY wfm ./wfm
COPY erlang ./erlang
COPY forecasting ./forecasting
COPY scheduling ./scheduling
COPY api ./api
COPY dashboard ./dashboard
# the dask extra: the same image serves as the Dask scheduler and workers (profile `dask`)
RUN pip install ".[dask]"
EXPOSE 8000 8501
CMD ["wfm", "--help"]
