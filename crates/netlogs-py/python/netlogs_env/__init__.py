"""The netlogs verifiers environment, id ``netlogs-env``.

One module serves both verifiers APIs, picked from the installed verifiers:

- v0 (verifiers <= 0.3.1, the reference's line): ``load_environment(**kwargs)`` returns a
  ``vf.SingleTurnEnv`` whose four rubric functions call the Rust scorer;
- v1 (verifiers >= 0.4.0; prime-rl's ``env.taskset.id = "netlogs-env"``): ``__all__`` names
  one ``verifiers.v1.Taskset`` subclass, ``NetlogsTaskset``.
"""

import importlib.util

try:
    _V1 = importlib.util.find_spec("verifiers.v1") is not None
except ModuleNotFoundError:  # verifiers is not installed at all
    _V1 = False

if _V1:
    from netlogs_env._v1 import NetlogsTaskset

    __all__ = ["NetlogsTaskset"]
else:
    from netlogs_env._v0 import load_environment

    __all__ = ["load_environment"]
