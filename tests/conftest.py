import os

from hypothesis import HealthCheck, settings

# pint arithmetic is slow next to plain floats; on a 2-core CI machine a
# per-example deadline would only measure the machine, so none is set.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")
