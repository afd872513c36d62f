"""The synthetic demo contact centre, calibrated on real call-centre data (see `calibration`)."""

from wfm.tools.demo.generator import DEFAULT_END_DATE, DemoCentre, generate_demo_centre

__all__ = ["DEFAULT_END_DATE", "DemoCentre", "generate_demo_centre"]
