"""What `aezoo bench` needs inside the package: timing, inference measurement, result files.

The repository's `bench/` folder keeps the long benchmark scripts; they
import from here, never the other way round.
"""
