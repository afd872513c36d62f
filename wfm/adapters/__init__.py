"""Adapters to the world outside the database: ACD interval files (`acd_files`) and Dask clusters
(`dask_cluster`)."""
